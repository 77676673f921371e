// Every page: the organisation switcher opens the chosen organisation (an external file, as the
// Content-Security-Policy allows no inline script or on* handler).
(function () {
  "use strict";
  var select = document.getElementById("org-select");
  if (select) {
    select.addEventListener("change", function () {
      window.location = "/o/" + encodeURIComponent(select.value) + "/";
    });
  }
})();
// The installed web app: a service worker that shows an offline page when the network is gone.
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without it */ });
  }
})();
