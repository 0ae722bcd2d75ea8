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
    var frame = document.getElementById("card-frame");
    var brands = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };
    window.addEventListener("message", function (event) {
      if (event.origin !== processor || event.source !== frame.contentWindow || !event.data || typeof event.data !== "object") return;
      if (event.data.type === "guichet-card-token" && typeof event.data.token === "string" && /^[0-9]{4}$/.test(event.data.last4)) {
        token.value = event.data.token;
        chosen.className = "notice";
        chosen.textContent = chosen.getAttribute("data-template")
          .replace("{brand}", brands[event.data.brand] || "").replace("{last4}", event.data.last4);
      } else if (event.data.type === "guichet-card-error") {
        token.value = "";
        chosen.className = "";
        chosen.textContent = "";
      }
    });
  }
  var timer = document.getElementById("hold-remaining");
  if (timer) {
    var ends = Date.parse(timer.getAttribute("data-ends"));
    var template = timer.getAttribute("data-template");
    var warning = document.getElementById("hold-warning");
    var warned = false;
    var tick = function () {
      var minutes = Math.max(0, Math.ceil((ends - Date.now()) / 60000));
      timer.textContent = minutes > 0 ? template.replace("{minutes}", String(minutes)) : timer.getAttribute("data-ended");
      // WCAG 2.2.1: said once, before the end, where a screen reader hears it (the timer itself is silent).
      if (warning && !warned && minutes > 0 && minutes <= 2) {
        warned = true;
        warning.className = "notice";
        warning.textContent = warning.getAttribute("data-template").replace("{minutes}", "2");
      }
    };
    tick();
    window.setInterval(tick, 20000);
  }
  // A form that charges is sent once: a second click while the first is on its way does nothing.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) event.preventDefault();
      sent = true;
    });
  });
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
