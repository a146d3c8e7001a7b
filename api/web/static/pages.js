// Draws each chart of a page from the Vega-Lite spec the server put beside it (no inline script, no other host).
// Vega's expression interpreter is used instead of code generation, so the strict Content-Security-Policy
// (no 'unsafe-eval') holds; vega-embed's own stylesheet is not injected (pages.css styles its menu).
(function () {
  "use strict";
  function draw(element) {
    var data = document.getElementById(element.getAttribute("data-spec"));
    if (!data || typeof vegaEmbed === "undefined") { return; }
    var spec = JSON.parse(data.textContent);
    vegaEmbed(element, spec, {
      renderer: "svg",
      ast: true,
      expr: vega.expressionInterpreter,
      defaultStyle: false,
      tooltip: false,
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: element.id.replace(/-chart$/, ""),
    }).then(function () {
      element.setAttribute("data-drawn", "true");
    }).catch(function (error) {
      element.setAttribute("data-error", String(error));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".vega[data-spec]"), draw);
  });
}());
