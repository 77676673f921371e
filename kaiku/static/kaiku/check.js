// Applying a suggestion: replace the span in the textarea and check again. Used wherever
// findings are shown (the check page, compose, edit, replies).
// Offsets from the server are Python string indices (code points); JavaScript strings count
// UTF-16 units, so the text is handled as an array of code points. The server builds the
// replacement to fit the sentence (case, number, capital letter), so it goes in as it is.
// The change is remembered in the [data-check-changes] field: the next check then also checks
// the grammar of the changed sentence. Typing clears it.
(function () {
  "use strict";
  function changesField(input) {
    var form = input.form;
    return (form && form.querySelector("[data-check-changes]")) || document.querySelector("[data-check-changes]");
  }
  document.addEventListener("input", function (event) {
    if (!event.isTrusted || !event.target.matches || !event.target.matches("[data-check-input]")) { return; }
    var field = changesField(event.target);
    if (field) { field.value = ""; }
  });
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
    input.value = chars.slice(0, start).join("") + replacement + chars.slice(end).join("");
    input.focus();
    var caret = chars.slice(0, start).join("").length + replacement.length;
    input.setSelectionRange(caret, caret);
    var field = changesField(input);
    if (field) {
      field.value = JSON.stringify([[start, start + Array.from(replacement).length, original, replacement]]);
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
// Compose's sticky summary (shown on a phone): after each live check, the findings' count
// and the worst severity, read from the results the server rendered.
(function () {
  "use strict";
  var ORDER = ["block", "warn", "info"];
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.target;
    var link = document.getElementById("check-sticky-link");
    if (!link || !results || results.id !== "check-results") { return; }
    var items = results.querySelectorAll("li.finding-item");
    var summary = results.querySelector(".check-summary");
    var worst = null;
    items.forEach(function (item) {
      ORDER.forEach(function (severity) {
        if (item.classList.contains(severity) && (worst === null || ORDER.indexOf(severity) < ORDER.indexOf(worst))) {
          worst = severity;
        }
      });
    });
    link.textContent = "";
    if (!items.length) {
      link.textContent = link.dataset.none;
    } else {
      link.appendChild(document.createTextNode(((summary && summary.firstChild && summary.firstChild.textContent) || String(items.length)).replace(/\s*·\s*$/, "").trim() + " · "));
      var badge = document.createElement("span");
      badge.className = "badge " + (worst === "block" ? "bad" : worst === "warn" ? "warn" : "");
      badge.textContent = link.dataset["worst" + worst.charAt(0).toUpperCase() + worst.slice(1)];
      link.appendChild(badge);
    }
    link.parentElement.dataset.worst = worst || "none";
    link.parentElement.hidden = false;
  });
})();
