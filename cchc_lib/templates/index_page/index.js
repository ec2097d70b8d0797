/* Sort a table by a column (click its heading) and filter units by name.
   Without scripts the page is complete: tables in rank order, no filter box. */
(function () {
  "use strict";
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function key(cell, numeric) {
    var v = cell ? cell.getAttribute("data-v") : null;
    if (v === null || v === "") { return null; }
    return numeric ? parseFloat(v) : fold(v);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("thead th[data-sort]"), function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "Sắp xếp theo cột này";
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (x) {
          x.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var col = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.getAttribute("data-sort") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          if (x === null || y === null) { return (x === null) - (y === null); }
          var d = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var tools = document.getElementById("tools");
  var box = document.getElementById("loc");
  if (!tools || !box) { return; }
  tools.hidden = false;
  box.addEventListener("input", function () {
    var q = fold(box.value.trim());
    Array.prototype.forEach.call(document.querySelectorAll("tr[data-name]"), function (tr) {
      tr.hidden = q !== "" && fold(tr.getAttribute("data-name")).indexOf(q) < 0;
    });
    Array.prototype.forEach.call(document.querySelectorAll("section.group"), function (sec) {
      sec.hidden = q !== "" && !sec.querySelector("tr[data-name]:not([hidden])");
    });
  });
}());
