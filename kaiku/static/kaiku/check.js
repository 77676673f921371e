// Applying a suggestion: replace the span in the textarea and check again.
// Offsets from the server are Python string indices (code points); JavaScript strings count
// UTF-16 units, so the text is handled as an array of code points.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.suggestion");
    if (!button) { return; }
    var container = button.closest("[data-check-target]") || document;
    var input = container.querySelector("[data-check-input]") || document.querySelector("[data-check-input]");
    if (!input) { return; }
    var start = parseInt(button.dataset.start, 10);
    var end = parseInt(button.dataset.end, 10);
    var chars = Array.from(input.value);
    var replacement = button.dataset.replacement;
    var original = chars.slice(start, end).join("");
    if (original && original[0] === original[0].toUpperCase() && original[0] !== original[0].toLowerCase()) {
      replacement = replacement.charAt(0).toUpperCase() + replacement.slice(1);
    }
    input.value = chars.slice(0, start).join("") + replacement + chars.slice(end).join("");
    input.focus();
    var caret = chars.slice(0, start).join("").length + replacement.length;
    input.setSelectionRange(caret, caret);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
