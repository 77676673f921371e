// The API docs page: Swagger UI from the vendored bundle, its settings from the page's JSON
// (a static file rather than an inline script, so the Content-Security-Policy holds here too).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  window.SwaggerUIBundle(settings);
})();
