/* Registre: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  // A select marked data-autosubmit submits its form on change; its submit button stays in
  // the page for keyboard and no-script users.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) {
      return;
    }
    var form = select.form;
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  // A button or link marked data-confirm asks before it acts.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (trigger && !window.confirm(trigger.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // A button marked data-copy="ID" copies the text of element ID (the API token shown once).
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status") || "");
    if (!source) {
      return;
    }
    var done = function () {
      if (status) {
        status.textContent = button.getAttribute("data-copied") || "";
      }
    };
    selectText(source);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent.trim()).then(done, function () {});
    } else {
      try {
        if (document.execCommand("copy")) {
          done();
        }
      } catch (error) {
        // The text stays selected: the user copies it with the keyboard.
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Copy buttons only make sense with this script.
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    // After a failed submission, take keyboard and screen-reader users to what went wrong
    // (the error summary or the conflict panel).
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
  });
})();
