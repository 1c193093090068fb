/* Guichet desk: keyboard shortcuts and small comforts. Everything works without it. */
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-keyboard-list] tbody tr[data-href]"));
  }

  function select(delta) {
    var list = rows();
    if (!list.length) return;
    var current = list.findIndex(function (r) { return r.classList.contains("current"); });
    var next = Math.max(0, Math.min(list.length - 1, current + delta));
    if (current >= 0) list[current].classList.remove("current");
    list[next].classList.add("current");
    list[next].scrollIntoView({ block: "nearest" });
    var link = list[next].querySelector("a");
    if (link) link.focus({ preventScroll: true });
    sessionStorage.setItem("desk-row:" + location.pathname, String(next));
  }

  function focusKey(key) {
    enhance();  // a key pressed as the page opens finds the editor shown
    var field = document.querySelector('[data-key="' + key + '"]');
    if (!field) return false;
    for (var box = field.closest("details"); box; box = box.parentElement.closest("details")) {
      box.open = true;
    }
    if (field.isContentEditable) { writeAtEnd(field); return true; }
    field.focus();
    if (field.select && field.type === "search") field.select();
    return true;
  }

  // --- the reply editor ---------------------------------------------------------------------
  // The form holds a plain textarea (the page without JavaScript) and, hidden, a toolbar
  // and an editable box: shown here, they write the formatted draft into the hidden "html"
  // field and its words into the textarea at each keystroke. The server keeps the HTML to
  // its allow-list and derives the email's text part from it.

  function writeAtEnd(box) {
    box.focus();
    var range = document.createRange();
    range.selectNodeContents(box);
    range.collapse(false);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function address(typed) {
    var url = typed.trim();
    if (!url || /^(https?:|mailto:|tel:)/i.test(url)) return url;
    if (/^[^\s/@]+@[^\s/@]+$/.test(url)) return "mailto:" + url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return "";  // javascript:, data:… are refused
    return "https://" + url;
  }

  function link(box, button) {
    var selection = window.getSelection();
    var range = selection.rangeCount ? selection.getRangeAt(0).cloneRange() : null;
    var url = address(window.prompt(button.getAttribute("data-ask"), "https://") || "");
    box.focus();
    if (range) { selection.removeAllRanges(); selection.addRange(range); }
    if (!url || url === "https://") return;
    if (!range || range.collapsed) {
      document.execCommand("insertHTML", false, '<a href="' + escapeHtml(url) + '">' + escapeHtml(url) + "</a>");
    } else {
      document.execCommand("createLink", false, url);
    }
  }

  function pressed(rich) {
    rich.querySelectorAll("[data-command][aria-pressed]").forEach(function (button) {
      var on = false;
      try { on = document.queryCommandState(button.getAttribute("data-command")); } catch (e) { on = false; }
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function enhance() {
    document.querySelectorAll("[data-rich]:not([data-ready])").forEach(function (rich) {
      var form = rich.closest("form");
      var box = rich.querySelector("[contenteditable]");
      var plain = form.querySelector("[data-plain]");
      var html = form.querySelector("[data-rich-html]");
      if (!box || !plain || !html) return;
      rich.setAttribute("data-ready", "");
      rich.hidden = false;
      plain.hidden = true;
      plain.required = false;
      var label = form.querySelector('label[for="' + plain.id + '"]');
      if (label) label.addEventListener("click", function (event) { event.preventDefault(); writeAtEnd(box); });
      try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }

      function sync() {
        var words = box.innerText.replace(/\u00a0/g, " ");
        html.value = words.trim() ? box.innerHTML : "";
        plain.value = words.trim() ? words : "";
        rich.classList.toggle("empty", !words.trim());
      }
      sync();
      box.addEventListener("input", sync);
      box.addEventListener("keydown", function (event) {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
          event.preventDefault();
          link(box, rich.querySelector('[data-command="createLink"]'));
          sync();
        }
      });
      box.addEventListener("keyup", function () { pressed(rich); });
      box.addEventListener("mouseup", function () { pressed(rich); });
      // What is pasted comes as text: formatting from elsewhere would not survive the
      // server's allow-list, and the draft shows what will be sent.
      box.addEventListener("paste", function (event) {
        var text = event.clipboardData && event.clipboardData.getData("text/plain");
        if (text === undefined || text === null) return;
        event.preventDefault();
        document.execCommand("insertText", false, text);
      });
      box.addEventListener("drop", function (event) { event.preventDefault(); });
      // The toolbar keeps the selection in the box (a click would take the focus away).
      rich.addEventListener("mousedown", function (event) {
        if (event.target.closest("[data-command]")) event.preventDefault();
      });
      rich.addEventListener("click", function (event) {
        var button = event.target.closest("[data-command]");
        if (!button) return;
        var command = button.getAttribute("data-command");
        if (document.activeElement !== box && !box.contains(window.getSelection().anchorNode)) writeAtEnd(box);
        if (command === "createLink") link(box, button);
        else document.execCommand(command, false, null);
        sync();
        pressed(rich);
      });
      // An empty reply is not sent: the box says so (the server refuses it too).
      form.addEventListener("submit", function (event) {
        sync();
        var canned = event.submitter && event.submitter.hasAttribute("formaction");
        if (canned || html.value || plain.value) { box.removeAttribute("aria-invalid"); return; }
        event.preventDefault();
        event.stopImmediatePropagation();
        box.setAttribute("aria-invalid", "true");
        writeAtEnd(box);
      }, true);
    });
  }
  enhance();  // deferred: the page is parsed
  document.addEventListener("DOMContentLoaded", enhance);
  document.addEventListener("htmx:afterSettle", enhance);
  document.addEventListener("htmx:oobAfterSwap", enhance);

  // "Reply" in the ticket's head: to the editor, ready to write.
  document.addEventListener("click", function (event) {
    var reply = event.target.closest("[data-reply]");
    if (!reply) return;
    var box = document.querySelector('[data-key="r"]');
    if (!box || box.offsetParent === null) return;  // no editor shown: the link goes there
    event.preventDefault();
    box.scrollIntoView({ block: "center" });
    if (box.isContentEditable) writeAtEnd(box); else box.focus();
  });

  // "Write to the seller" in the seller's panel: its box under the editor, opened, ready.
  document.addEventListener("click", function (event) {
    var write = event.target.closest("[data-write-seller]");
    if (!write) return;
    var box = document.getElementById("seller-box");
    if (!box) return;
    event.preventDefault();
    box.open = true;
    enhance();
    box.scrollIntoView({ block: "start" });
    var field = box.querySelector("[contenteditable]");
    if (field && field.offsetParent !== null) writeAtEnd(field);
    else { var plain = box.querySelector("textarea"); if (plain) plain.focus(); }
  });

  // "Pass on to the customer": the editor comes back with the seller's words quoted;
  // it is brought into view, ready to be edited (once: a later redraw leaves it be).
  function passingOn() {
    var form = document.querySelector("#reply-form[data-passing-on]:not([data-shown])");
    if (!form) return;
    form.setAttribute("data-shown", "");
    enhance();
    var box = form.querySelector('[data-key="r"]');
    form.scrollIntoView({ block: "start" });
    if (box && box.isContentEditable && box.offsetParent !== null) writeAtEnd(box);
    else if (box) box.focus();
  }
  document.addEventListener("DOMContentLoaded", passingOn);
  document.addEventListener("htmx:oobAfterSwap", passingOn);
  document.addEventListener("htmx:afterSettle", passingOn);

  // A moment of the history opened by the agent stays open when the history is redrawn.
  var opened = {};
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.tagName !== "DETAILS") return;
    var entry = details.closest("#timeline li[id]");
    if (!entry) return;
    if (details.open) opened[entry.id] = true; else delete opened[entry.id];
  }, true);
  function reopen() {
    Object.keys(opened).forEach(function (id) {
      var details = document.querySelector("#" + id + " > details");
      if (details && !details.open) details.open = true;
    });
  }
  document.addEventListener("htmx:afterSettle", reopen);
  document.addEventListener("htmx:oobAfterSwap", reopen);

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) return;
    switch (event.key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "Enter": {
        var row = document.querySelector("[data-keyboard-list] tr.current");
        if (!row) return;
        location.href = row.getAttribute("data-href");
        break;
      }
      case "r": if (!focusKey("r")) return; break;
      case "n": if (!focusKey("n")) return; break;
      case "e": if (!focusKey("e")) return; break;
      case "/": if (!focusKey("/")) return; break;
      case "a": {
        var take = document.getElementById("take-form");
        if (!take) return;
        take.requestSubmit();
        break;
      }
      case "?": {
        var help = document.getElementById("help");
        if (help && help.showModal) help.showModal();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-help]");
    if (opener) {
      var help = document.getElementById("help");
      if (help && help.showModal) help.showModal();
    }
    var row = event.target.closest("[data-keyboard-list] tr[data-href]");
    if (row && !event.target.closest("a, button, input, select, textarea")) {
      location.href = row.getAttribute("data-href");
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
  });

  // A list refreshed while you read it keeps your place.
  function restore() {
    var saved = sessionStorage.getItem("desk-row:" + location.pathname);
    var list = rows();
    if (saved !== null && list[+saved]) list[+saved].classList.add("current");
  }
  document.addEventListener("DOMContentLoaded", restore);
  document.addEventListener("htmx:afterSettle", restore);

  // The history redrawn after an uneventful change (an email delivered, a deadline
  // missed): the forms of the page act on the ticket as it is now, not as stale.
  document.addEventListener("htmx:afterSwap", function () {
    var timeline = document.getElementById("timeline");
    if (!timeline || !timeline.hasAttribute("data-uneventful")) return;
    var revision = timeline.getAttribute("data-revision");
    document.querySelectorAll('input[name="revision"]').forEach(function (input) {
      input.value = revision;
    });
  });
})();
