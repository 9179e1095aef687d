/* Record of processing activities: quicker repeated rows on the edit form.
   Without this file the "add rows" buttons ask the server for blank rows and the "remove"
   boxes are read when the form is saved; with it, a row is added in place and a ticked row
   is greyed out at once. */
(function () {
  "use strict";

  var INDEX = /^([a-z_]+)-(\d+)-/;

  function nextIndex(section) {
    var highest = -1;
    section.querySelectorAll("[data-row] [name]").forEach(function (input) {
      var match = INDEX.exec(input.name);
      if (match) {
        highest = Math.max(highest, parseInt(match[2], 10));
      }
    });
    return highest + 1;
  }

  function renumber(element, name, index) {
    var pattern = new RegExp("^" + name + "-\\d+-");
    var replacement = name + "-" + index + "-";
    ["id", "name", "for", "aria-describedby"].forEach(function (attribute) {
      element.querySelectorAll("[" + attribute + "]").forEach(function (node) {
        var value = node.getAttribute(attribute);
        var parts = value.split(" ").map(function (part) {
          return part.replace(pattern, replacement);
        });
        node.setAttribute(attribute, parts.join(" "));
      });
    });
  }

  function blank(row) {
    row.classList.remove("is-removed");
    row.querySelectorAll(".field-errors").forEach(function (node) {
      node.remove();
    });
    row.querySelectorAll(".has-error").forEach(function (node) {
      node.classList.remove("has-error");
    });
    row.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "checkbox") {
        input.checked = false;
      } else if (input.tagName === "SELECT") {
        input.selectedIndex = 0;
      } else {
        input.value = "";
      }
    });
  }

  function addRow(button) {
    var section = button.closest("[data-rows]");
    var rows = section ? section.querySelectorAll("[data-row]") : [];
    if (!rows.length) {
      return false;
    }
    var name = section.getAttribute("data-rows");
    var index = nextIndex(section);
    var row = rows[rows.length - 1].cloneNode(true);
    renumber(row, name, index);
    blank(row);
    var legend = row.querySelector(".row-legend");
    if (legend) {
      legend.textContent = legend.textContent.replace(/\d+\s*$/, String(rows.length + 1));
    }
    rows[rows.length - 1].parentNode.appendChild(row);
    var first = row.querySelector("input:not([type=checkbox]), select, textarea");
    if (first) {
      first.focus();
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-add-row]") : null;
    if (button && addRow(button)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") {
      return;
    }
    if (!/-remove$/.test(box.name)) {
      return;
    }
    var row = box.closest("[data-row]");
    if (row) {
      row.classList.toggle("is-removed", box.checked);
    }
  });
})();
