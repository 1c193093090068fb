/* Guichet desk: the shell. The person's menu closes on a click elsewhere or Escape; on a
   phone the views fold behind a button (desk.css, under .js). Without this script the
   menu is a plain disclosure and the views are all shown. */
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      var box = toggle.closest("[data-fold]");
      var open = box.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // The list's filters leave out those not chosen: "?contact_type=complaint", not every
  // filter's name followed by "=".
  document.addEventListener("formdata", function (event) {
    if (event.target.id !== "filters") return;
    Array.from(event.formData.entries()).forEach(function (entry) {
      if (entry[1] === "") event.formData.delete(entry[0]);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details.menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
