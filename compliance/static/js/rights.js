/* The rights request form: ticking a processing activity ticks the applications that support
   it (where the person's data is to be searched). Progressive enhancement only: without it,
   the page lists each activity's applications and the person ticks them. */
(function () {
  "use strict";

  function applicationBox(id) {
    return document.getElementById("application_ids-" + id);
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-supports]") || !box.checked) {
      return;
    }
    box.getAttribute("data-supports").split(" ").forEach(function (id) {
      var target = id && applicationBox(id);
      if (target && !target.checked) {
        target.checked = true;
        target.setAttribute("data-suggested", "1");
      }
    });
  });
})();
