// Small behaviours that need no framework. No inline scripts anywhere (CSP):
// everything here works from markup (data-* attributes, classes) and the page
// works without it.
(() => {
  "use strict";

  // Selects marked data-autosubmit send their form on change (the language picker).
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });

  // Menus are <details data-menu>: keyboard- and pointer-usable without JS.
  // Here: Escape closes and returns focus to the toggle; a click or focus
  // outside closes; opening one closes the others.
  const openMenus = () => document.querySelectorAll("details[data-menu][open]");

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of openMenus()) {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary")?.focus();
    }
  });

  const closeOutside = (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  };
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);

  document.addEventListener(
    "toggle",
    (event) => {
      const menu = event.target;
      if (!(menu instanceof HTMLDetailsElement) || !menu.open || !menu.hasAttribute("data-menu")) return;
      for (const other of openMenus()) {
        if (other !== menu) other.open = false;
      }
    },
    true, // toggle does not bubble
  );

  // On narrow screens the rooms are a scrollable row: keep the current one in view.
  const rooms = document.querySelector(".rooms");
  const current = rooms?.querySelector('[aria-current="page"]');
  if (rooms && current && rooms.scrollWidth > rooms.clientWidth) {
    const left = current.getBoundingClientRect().left - rooms.getBoundingClientRect().left;
    rooms.scrollLeft += left - (rooms.clientWidth - current.offsetWidth) / 2;
  }

  // HTMX: failed requests are reported in #htmx-errors (texts come translated
  // from its data-* attributes); a request answered by the login page (the
  // session ended) sends the whole page to log in again.
  const region = document.getElementById("htmx-errors");

  const clearErrors = () => {
    if (region) region.replaceChildren();
  };

  const showError = (text) => {
    if (!region || !text) return;
    for (const old of region.querySelectorAll(".toast")) {
      if (old.dataset.text === text) old.remove();
    }
    const toast = document.createElement("div");
    toast.className = "toast";
    toast.dataset.text = text;
    const icon = document.querySelector("#htmx-error-icon");
    if (icon) toast.append(icon.content.cloneNode(true));
    const p = document.createElement("p");
    p.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", region.dataset.dismiss || "Dismiss");
    const closeIcon = document.querySelector("#htmx-error-close");
    if (closeIcon) close.append(closeIcon.content.cloneNode(true));
    else close.textContent = "\u00d7";
    close.addEventListener("click", () => toast.remove());
    toast.append(p, close);
    region.append(toast);
    while (region.children.length > 3) region.firstElementChild.remove();
  };

  const messageFor = (status) => {
    if (!region) return "";
    const data = region.dataset;
    return data[`status-${status}`] || (status >= 500 ? data.server : data.generic) || "";
  };

  document.addEventListener("htmx:responseError", (event) => {
    showError(messageFor(event.detail.xhr.status));
  });
  document.addEventListener("htmx:sendError", () => showError(region?.dataset.network));
  document.addEventListener("htmx:timeout", () => showError(region?.dataset.timeout));
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) clearErrors();
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const loginUrl = document.body.dataset.loginUrl;
    const responseUrl = event.detail.xhr.responseURL;
    if (!loginUrl || !responseUrl || window.location.pathname === loginUrl) return;
    if (new URL(responseUrl).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      const next = window.location.pathname + window.location.search;
      window.location.assign(`${loginUrl}?next=${encodeURIComponent(next)}`);
    }
  });
})();
