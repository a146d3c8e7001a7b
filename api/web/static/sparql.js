// The SPARQL page: example queries into the editor, results as a table with links, and a CSV download link.
// Without script the form still runs the query (the endpoint answers SPARQL JSON).
(function () {
  "use strict";
  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      var shared = "https://w3id.org/migration-profile";  // the shared vocabulary resolves on this server
      a.href = term.value.indexOf(shared + "/") === 0 ? term.value.slice(shared.length) : term.value;
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
    }
    return td;
  }
  function show(result, status) {
    var table = document.getElementById("results");
    var head = table.querySelector("thead"), body = table.querySelector("tbody");
    head.textContent = ""; body.textContent = "";
    var vars = (result.head && result.head.vars) || [];
    var tr = document.createElement("tr");
    vars.forEach(function (v) { var th = document.createElement("th"); th.scope = "col"; th.textContent = v; tr.appendChild(th); });
    head.appendChild(tr);
    (result.results ? result.results.bindings : []).forEach(function (row) {
      var r = document.createElement("tr");
      vars.forEach(function (v) { r.appendChild(cell(row[v])); });
      body.appendChild(r);
    });
    status.textContent = (result.results ? result.results.bindings.length : 0) + " row(s)";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("sparql-form"), query = document.getElementById("query");
    var status = document.getElementById("status"), csv = document.getElementById("csv");
    document.getElementById("examples").addEventListener("change", function (event) {
      var chosen = document.getElementById("example-" + event.target.value);
      if (chosen) { query.value = chosen.content.textContent; }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "Running…";
      csv.href = "/sparql?" + new URLSearchParams({ query: query.value, format: "csv" }).toString();
      csv.hidden = false;
      fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json" }, body: query.value })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) { throw new Error(data.error ? data.error.message : response.statusText); }
            return data;
          });
        })
        .then(function (data) { show(data, status); })
        .catch(function (error) { status.textContent = String(error.message || error); });
    });
  });
}());
