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
    var field = document.querySelector('[data-key="' + key + '"]');
    if (!field) return false;
    var box = field.closest("details");
    if (box) box.open = true;
    field.focus();
    if (field.select && field.type === "search") field.select();
    return true;
  }

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
