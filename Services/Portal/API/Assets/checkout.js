// The payment page's enhancements: the card token handed over by the processor's framed card entry (accepted
// from that origin only), and the minutes left on the seat hold. Without it the page still says until when.
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
})();
