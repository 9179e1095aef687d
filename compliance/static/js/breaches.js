/* The 72-hour countdowns of the breach register: progressive enhancement only. The server
   renders each countdown; this keeps its text (and its colour) current while the page stays
   open, and turns it into "late" when the deadline passes. */
(function () {
  "use strict";

  var HOUR = 3600000;
  var TONES = ["badge-info", "badge-warning", "badge-error"];

  // The kernel's wording (compliance/durations.py): "2 j 23 h 10 min", "23 h 10 min", "10 min".
  function duration(element, milliseconds) {
    var minutes = Math.max(0, Math.floor(milliseconds / 60000));
    var hours = Math.floor(minutes / 60);
    var days = Math.floor(hours / 24);
    minutes = minutes % 60;
    hours = hours % 24;
    var format = days ? "data-fmt-days" : (hours ? "data-fmt-hours" : "data-fmt-minutes");
    return element.getAttribute(format)
      .replace("{d}", String(days))
      .replace("{h}", String(hours))
      .replace("{m}", String(minutes));
  }

  function tone(left) {
    if (left <= 6 * HOUR) {
      return "badge-error";
    }
    return left < 24 * HOUR ? "badge-warning" : "badge-info";
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (element) {
      var deadline = Date.parse(element.getAttribute("data-deadline"));
      if (isNaN(deadline)) {
        return;
      }
      var left = deadline - now;
      var label = left > 0
        ? element.getAttribute("data-label-running").replace("{}", duration(element, left))
        : element.getAttribute("data-label-late").replace("{}", duration(element, -left));
      if (element.textContent !== label) {
        element.textContent = label;
      }
      TONES.forEach(function (name) {
        element.classList.remove(name);
      });
      element.classList.add(tone(left));
    });
  }

  // Checked every second: the minutes change whenever the deadline's own seconds come round,
  // and the text is only rewritten when it changes.
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    window.setInterval(refresh, 1000);
  });
})();
