// The portal's enhancements, which every page works without: the card token handed over by the processor's
// framed card entry (accepted from that origin only), the minutes left on a seat hold, and the live total of
// items chosen by quantity (the server prices the line again when it is added).
(function () {
  "use strict";
  var entry = document.getElementById("card-entry");
  if (entry) {
    var processor = entry.getAttribute("data-processor-origin");
    var token = document.getElementById("card-token");
    var chosen = document.getElementById("card-chosen");
    var brands = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };
    window.addEventListener("message", function (event) {
      if (event.origin !== processor || !event.data || typeof event.data !== "object") return;
      if (event.data.type === "guichet-card-token" && typeof event.data.token === "string") {
        token.value = event.data.token;
        chosen.textContent = chosen.getAttribute("data-template")
          .replace("{brand}", brands[event.data.brand] || String(event.data.brand)).replace("{last4}", String(event.data.last4));
      } else if (event.data.type === "guichet-card-error") {
        token.value = "";
        chosen.textContent = "";
      }
    });
  }
  var timer = document.getElementById("hold-remaining");
  if (timer) {
    var ends = Date.parse(timer.getAttribute("data-ends"));
    var template = timer.getAttribute("data-template");
    var tick = function () {
      var minutes = Math.max(0, Math.ceil((ends - Date.now()) / 60000));
      timer.textContent = template.replace("{minutes}", String(minutes));
    };
    tick();
    window.setInterval(tick, 20000);
  }
  var total = document.getElementById("items-total");
  if (total) {
    var inputs = document.querySelectorAll("input[data-unit-cents]");
    var money = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-CA" : "fr-CA", { style: "currency", currency: "CAD" });
    var update = function () {
      var cents = 0;
      Array.prototype.forEach.call(inputs, function (input) {
        var quantity = parseInt(input.value, 10);
        if (quantity > 0) cents += quantity * parseInt(input.getAttribute("data-unit-cents"), 10);
      });
      total.textContent = money.format(cents / 100);
    };
    Array.prototype.forEach.call(inputs, function (input) { input.addEventListener("input", update); });
    update();
  }
})();
