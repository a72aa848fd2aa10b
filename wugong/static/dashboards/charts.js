/* Charts of 大屏 and 晒成绩单, drawn with uPlot (vendored, static/vendor/uPlot.iife.min.js).
   The data comes from the page's <script type="application/json" id="dash-data"> block (no
   inline script: CSP). Each <figure data-chart="name"> gets the chart of data[name]:
   {title, labels, values} as bars, or {title, labels, series: [{label, values}]} as lines.
   Redrawn after an htmx swap (the big screen refreshes itself) and on resize. */
(function () {
  "use strict";
  var COLOURS = ["#c0392b", "#2e86c1", "#27ae60", "#d68910", "#8e44ad", "#16a085", "#7f8c8d"];

  function axes(labels, stroke) {
    return [
      {
        stroke: stroke,
        grid: { show: false },
        splits: function () { return labels.map(function (_l, i) { return i; }); },
        values: function (_u, splits) {
          return splits.map(function (i) { return labels[i] === undefined ? "" : labels[i]; });
        },
        rotate: labels.length > 6 ? -30 : 0,
        size: labels.length > 6 ? 60 : 40
      },
      { stroke: stroke, grid: { stroke: "rgba(128,128,128,0.2)" } }
    ];
  }

  function chart(el, spec) {
    var labels = spec.labels || [];
    if (!labels.length) { return; }
    var stroke = getComputedStyle(el).color || "#333";
    var width = Math.max(el.clientWidth || 0, 260);
    var xs = labels.map(function (_l, i) { return i; });
    var series = [{}];
    var data = [xs];
    if (spec.series) {
      spec.series.forEach(function (s, n) {
        series.push({ label: s.label, stroke: COLOURS[n % COLOURS.length], width: 2, spanGaps: true });
        data.push(s.values);
      });
    } else {
      series.push({
        label: spec.title,
        fill: COLOURS[1],
        stroke: COLOURS[1],
        paths: uPlot.paths.bars({ size: [0.6, 80] }),
        points: { show: false }
      });
      data.push(spec.values);
    }
    var title = document.createElement("figcaption");
    title.textContent = spec.title || "";
    el.appendChild(title);
    new uPlot({
      width: width,
      height: Math.round(Math.min(Math.max(width * 0.5, 180), 320)),
      scales: { x: { time: false, range: [-0.5, Math.max(xs.length - 0.5, 0.5)] } },
      legend: { show: !!spec.series },
      cursor: { show: false },
      axes: axes(labels, stroke),
      series: series
    }, data, el);
  }

  function draw() {
    var block = document.getElementById("dash-data");
    if (!block || !window.uPlot) { return; }
    var data;
    try { data = JSON.parse(block.textContent); } catch (e) { return; }
    var figures = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(figures, function (el) {
      var spec = data[el.getAttribute("data-chart")];
      while (el.firstChild) { el.removeChild(el.firstChild); }
      if (spec) { chart(el, spec); }
    });
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(draw, 200);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", later);
})();
