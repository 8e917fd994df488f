// The Calendar room: drag a post to another day (month view: same time of day) or to
// another hour (week and day views: same minutes) to move it. The server applies the
// rules (approval, the past, the clock's daylight-saving jumps) and answers with the
// calendar as it is now, with a message saying what happened. Without JavaScript,
// every item links to its page, which has a form to move it.
(() => {
  "use strict";

  const root = () => document.getElementById("calendar-body");
  let dragged = null;
  let over = null;

  const highlight = (el) => {
    if (over === el) return;
    over?.classList.remove("drop-over");
    over = el;
    el?.classList.add("drop-over");
  };

  // Where a pointer over the calendar would drop: an hour slot, or a day of a week row
  // (found from the pointer's column, so campaign and story bars do not get in the way).
  const dropZone = (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return null;
    const slot = target.closest("[data-drop-hour]");
    if (slot) return { el: slot, date: slot.dataset.dropDate, hour: slot.dataset.dropHour };
    const week = target.closest(".cal-week");
    const grid = week?.querySelector(".cal-cells");
    if (!grid) return null;
    const cells = grid.querySelectorAll(".cal-cell");
    const rect = grid.getBoundingClientRect();
    if (!cells.length || rect.width <= 0) return null;
    const col = Math.floor((event.clientX - rect.left) / (rect.width / cells.length));
    const cell = cells[Math.max(0, Math.min(cells.length - 1, col))];
    return { el: cell, date: cell.dataset.date, hour: "" };
  };

  document.addEventListener("dragstart", (event) => {
    const calendar = root();
    const item = event.target instanceof Element ? event.target.closest("[data-target]") : null;
    if (!calendar || !item || !calendar.contains(item) || !calendar.dataset.moveUrl) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.target);
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const zone = dropZone(event);
    highlight(zone ? zone.el : null);
    if (!zone) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  });

  document.addEventListener("drop", (event) => {
    const calendar = root();
    if (!dragged || !calendar) return;
    const zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    const back = new URL(calendar.dataset.back || window.location.href, window.location.href);
    const values = {
      target: dragged.dataset.target,
      date: zone.date,
      hour: zone.hour || "",
      back: back.search,
    };
    calendar.setAttribute("aria-busy", "true");
    window.htmx.ajax("POST", calendar.dataset.moveUrl, {
      source: calendar,
      target: "#calendar-body",
      swap: "outerHTML",
      values,
    });
  });

  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    highlight(null);
  });

  // A failed move request (network, server) leaves the calendar usable again.
  document.addEventListener("htmx:afterRequest", () => root()?.removeAttribute("aria-busy"));
})();
