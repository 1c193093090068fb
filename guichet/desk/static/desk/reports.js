// The dashboard's period: typing a month chooses "a chosen month", a day "chosen dates"
// (without this script, the person picks them in the list).
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var period = document.getElementById("id_period");
    if (!period) return;
    if (event.target.id === "id_month") period.value = "chosen";
    if (event.target.id === "id_from" || event.target.id === "id_to") period.value = "custom";
  });
})();
