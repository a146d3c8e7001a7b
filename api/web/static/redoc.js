// The API reference at /redoc: ReDoc from this host (shipped with the fastapi-offline package), reading /openapi.json.
window.addEventListener("load", function () {
  Redoc.init("/openapi.json", { disableSearch: false, hideDownloadButton: false }, document.getElementById("redoc"));
});
