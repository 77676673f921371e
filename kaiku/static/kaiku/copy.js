// Copy buttons beside addresses a person must paste elsewhere (redirect addresses, feed
// addresses). The buttons are hidden in the HTML and shown here, so without JavaScript the
// address is still there to select by hand. An external file: the CSP allows no inline script.
(function () {
  "use strict";
  // Only the visible word changes ("Copied"); the hidden rest of the name says what was
  // copied, and the button keeps one accessible name that contains its visible text.
  function copied(button) {
    var word = button.querySelector("[data-label]") || button;
    var label = word.textContent;
    word.textContent = button.getAttribute("data-copied") || label;
    window.setTimeout(function () { word.textContent = label; }, 2000);
  }
  function fallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); copied(button); } finally { area.remove(); }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button); },
          function () { fallback(text, button); });
      } else {
        fallback(text, button);
      }
    });
  });
})();
