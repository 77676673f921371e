// The calendar: moving posts by dragging them or with Alt + arrow keys, and copying the feed
// address. Without JavaScript each post's "Move" form does the same job.
(function () {
  "use strict";

  function grid() { return document.getElementById("cal-grid"); }

  function say(text) {
    var status = document.getElementById("cal-status");
    if (status) { status.textContent = text; }
  }

  function move(item, values) {
    var g = grid();
    if (!g || !window.htmx) { return; }
    var id = item.id;
    var body = { post: item.dataset.post, view: g.dataset.view, period: g.dataset.period };
    Object.keys(values).forEach(function (key) { body[key] = values[key]; });
    say("");
    g.setAttribute("aria-busy", "true");
    window.htmx.ajax("POST", g.dataset.moveUrl, {
      target: "#cal-grid",
      swap: "outerHTML",
      values: body,
      headers: { "X-CSRFToken": g.dataset.csrf }
    }).then(function () {
      // Keep the keyboard where the post now is; if it left the view, on the grid.
      var moved = document.getElementById(id);
      var table = document.querySelector("#cal-grid table");
      if (moved) { moved.focus(); } else if (table) { table.focus(); }
    });
  }

  function closest(target, selector) {
    return target instanceof Element ? target.closest(selector) : null;
  }

  // --- dragging ---------------------------------------------------------------------------
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var item = closest(event.target, ".cal-item[data-movable]");
    if (!item) { return; }
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.post);
    item.classList.add("cal-dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("cal-dragging"); }
    dragged = null;
    document.querySelectorAll(".cal-drop").forEach(function (el) { el.classList.remove("cal-drop"); });
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var cell = closest(event.target, "#cal-grid td[data-date]");
    if (!cell) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".cal-drop").forEach(function (el) {
      if (el !== cell) { el.classList.remove("cal-drop"); }
    });
    cell.classList.add("cal-drop");
  });

  document.addEventListener("drop", function (event) {
    var cell = closest(event.target, "#cal-grid td[data-date]");
    var item = dragged;
    if (!cell || !item) { return; }
    event.preventDefault();
    cell.classList.remove("cal-drop");
    var local = item.dataset.local; // "YYYY-MM-DDTHH:MM"
    var values = { date: cell.dataset.date };
    if (cell.dataset.hour) {
      // The week view: the hour of the row, the minutes of the post.
      values.time = ("0" + cell.dataset.hour).slice(-2) + ":" + local.slice(14, 16);
    }
    var same = values.date === local.slice(0, 10) && (!values.time || values.time === local.slice(11, 16));
    if (!same) { move(item, values); }
  });

  // --- keyboard ---------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var item = closest(event.target, ".cal-item[data-movable]");
    if (!item || closest(event.target, "form, summary")) { return; }
    var week = grid() && grid().dataset.view === "week";
    var days = 0;
    var hours = 0;
    switch (event.key) {
      case "ArrowLeft": days = -1; break;
      case "ArrowRight": days = 1; break;
      case "ArrowUp": if (week) { hours = -1; } else { days = -7; } break;
      case "ArrowDown": if (week) { hours = 1; } else { days = 7; } break;
      case "PageUp": days = -7; break;
      case "PageDown": days = 7; break;
      default: return;
    }
    event.preventDefault();
    move(item, { days: days, hours: hours });
  });

  // --- the feed address -------------------------------------------------------------------
  document.querySelectorAll("button[data-copy]").forEach(function (button) { button.hidden = false; });

  document.addEventListener("click", function (event) {
    var button = closest(event.target, "button[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.dataset.copy);
    var status = document.getElementById("feed-status");
    if (!input) { return; }
    input.select();
    function done() { if (status) { status.textContent = button.dataset.copied; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
