// Post previews (content/previews/_target.html): the "… more" toggle, carousel arrows
// and dots, and avatars the browser could not load (shown as the initial instead).
// Delegated listeners, so previews swapped in by HTMX work without setup. Load with
// <script src="{% static 'manyhats/previews.js' %}" defer></script>.
(() => {
  "use strict";

  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // The strip's current item, from how far it is scrolled (either writing direction).
  const currentIndex = (strip) => {
    const slide = strip.querySelector(".pv-slide");
    if (!slide) return 0;
    const step = slide.getBoundingClientRect().width || 1;
    return Math.round(Math.abs(strip.scrollLeft) / step);
  };

  const update = (carousel) => {
    const strip = carousel.querySelector(".pv-strip");
    if (!strip) return;
    const count = strip.children.length;
    const index = Math.min(currentIndex(strip), count - 1);
    carousel.querySelectorAll(".pv-dot").forEach((dot, i) => {
      dot.classList.toggle("is-current", i === index);
    });
    const prev = carousel.querySelector(".pv-prev");
    const next = carousel.querySelector(".pv-next");
    if (prev) prev.hidden = count < 2 || index <= 0;
    if (next) next.hidden = count < 2 || index >= count - 1;
  };

  const dropBrokenAvatar = (img) => {
    if (img.complete && img.naturalWidth === 0) img.remove();
  };

  const init = (root) => {
    root.querySelectorAll("[data-pv-carousel]").forEach(update);
    root.querySelectorAll("img[data-pv-avatar]").forEach(dropBrokenAvatar);
  };

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const more = target?.closest("[data-pv-more]");
    if (more) {
      const open = more.getAttribute("aria-expanded") !== "true";
      more.setAttribute("aria-expanded", String(open));
      const rest = document.getElementById(more.getAttribute("aria-controls") || "");
      if (rest) rest.hidden = !open;
      return;
    }
    const arrow = target?.closest("[data-pv-step]");
    if (arrow) {
      const carousel = arrow.closest("[data-pv-carousel]");
      const strip = carousel?.querySelector(".pv-strip");
      const slide = strip?.querySelector(".pv-slide");
      if (!strip || !slide) return;
      const rtl = getComputedStyle(strip).direction === "rtl" ? -1 : 1;
      const step = Number(arrow.getAttribute("data-pv-step")) || 0;
      strip.scrollBy({
        left: step * rtl * slide.getBoundingClientRect().width,
        behavior: reduceMotion.matches ? "auto" : "smooth",
      });
    }
  });

  document.addEventListener(
    "scroll",
    (event) => {
      const strip = event.target;
      if (strip instanceof Element && strip.classList.contains("pv-strip")) {
        const carousel = strip.closest("[data-pv-carousel]");
        if (carousel) update(carousel);
      }
    },
    true, // scroll does not bubble
  );

  document.addEventListener(
    "error",
    (event) => {
      const img = event.target;
      if (img instanceof HTMLImageElement && img.hasAttribute("data-pv-avatar")) img.remove();
    },
    true,
  );

  init(document);
  document.addEventListener("htmx:load", (event) => {
    if (event.target instanceof Element) init(event.target);
  });
})();
