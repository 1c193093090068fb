/* Guichet desk: the help centre's editor. An image uploaded (htmx) comes back with its
   Markdown, put where the writer was typing; the preview follows. Without this script
   the upload posts the form and the image's Markdown ends the draft. */
(function () {
  "use strict";

  var caret = null;  // where the writer was in the text when they left it

  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("[data-kb-body]")) {
      caret = [event.target.selectionStart, event.target.selectionEnd];
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "kb-image-result") return;
    var done = event.target.querySelector("[data-markdown]");
    var body = document.querySelector("[data-kb-body]");
    if (!done || !body) return;
    var markdown = done.getAttribute("data-markdown");
    var at = caret || [body.value.length, body.value.length];
    var before = body.value.slice(0, at[0]);
    var after = body.value.slice(at[1]);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var trail = after && !/^\n/.test(after) ? "\n\n" : "\n";
    body.value = before + lead + markdown + trail + after;
    var end = (before + lead + markdown).length;
    body.focus();
    body.setSelectionRange(end, end);
    caret = [end, end];
    body.dispatchEvent(new Event("input", { bubbles: true }));  // the preview follows
    var file = document.getElementById("kb-image");
    var alt = document.getElementById("kb-alt");
    if (file) file.value = "";
    if (alt) alt.value = "";
  });
})();
