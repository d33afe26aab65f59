// AstroFinance dashboard behaviour: the menu on small screens, errors of htmx requests shown
// (never swallowed), charts drawn from <script type="application/json" data-chart> blocks,
// the loans table's column chooser (kept in localStorage), clickable rows.
(function () {
  "use strict";
  function toast(message) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = message;
    t.hidden = false;
    clearTimeout(t._timer);
    t._timer = setTimeout(function () { t.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, text = "";
    try { text = JSON.parse(xhr.responseText).message; } catch (_) {
      var m = /<p>([^<]+)<\/p>/.exec(xhr.responseText || "");
      text = m ? m[1] : "";
    }
    toast("Error " + xhr.status + (text ? ": " + text : ""));
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server could not be reached. Check the connection and try again.");
  });

  var palette = ["#0b5c4a", "#0a58ca", "#a61b1b", "#8a5300", "#6f42c1", "#4f5b6b"];
  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("script[data-chart]").forEach(function (el) {
      var spec = JSON.parse(el.textContent);
      var canvas = document.getElementById(el.dataset.chart);
      if (!canvas || canvas._chart) return;
      spec.data.datasets.forEach(function (d, i) {
        d.backgroundColor = d.backgroundColor || palette[i % palette.length];
        d.borderColor = d.borderColor || palette[i % palette.length];
      });
      spec.options = Object.assign({responsive: true, maintainAspectRatio: false,
                                    animation: false}, spec.options || {});
      canvas._chart = new window.Chart(canvas, spec);
    });
  }

  var COLS_KEY = "af.loans.columns";
  function applyColumns(root) {
    var table = root.querySelector("table[data-columns]");
    if (!table) return;
    var hidden = JSON.parse(localStorage.getItem(COLS_KEY) || "null");
    if (!hidden) hidden = (table.dataset.hiddenByDefault || "").split(" ").filter(Boolean);
    table.querySelectorAll("[data-col]").forEach(function (c) {
      c.hidden = hidden.indexOf(c.dataset.col) >= 0;
    });
    document.querySelectorAll("input[data-col-toggle]").forEach(function (box) {
      box.checked = hidden.indexOf(box.value) < 0;
    });
  }
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("input[data-col-toggle]")) return;
    var hidden = [];
    document.querySelectorAll("input[data-col-toggle]").forEach(function (b) {
      if (!b.checked) hidden.push(b.value);
    });
    localStorage.setItem(COLS_KEY, JSON.stringify(hidden));
    applyColumns(document);
  });

  document.addEventListener("click", function (e) {
    var toggle = e.target.closest && e.target.closest(".menu-toggle");
    if (toggle) {
      var nav = document.getElementById("nav");
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var row = e.target.closest && e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a, button, input, select")) {
      window.location.href = row.dataset.href;
    }
  });
  document.addEventListener("keydown", function (e) {
    var row = e.target.closest && e.target.closest("tr[data-href]");
    if (row && e.key === "Enter") window.location.href = row.dataset.href;
  });
  // a GET filter form submits only the fields that are set (clean, shareable URLs)
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches("form.filters") || form.method.toLowerCase() !== "get") return;
    form.querySelectorAll("input, select").forEach(function (el) {
      if (el.name && !el.value && !el.multiple) el.disabled = true;
    });
  });
  function ready(root) { drawCharts(root); applyColumns(root); }
  document.addEventListener("htmx:afterSettle", function (e) { ready(e.target); });
  document.addEventListener("DOMContentLoaded", function () { ready(document); });
})();
