// The Compose room: media ordering (drag and drop, or buttons), the library picker,
// per-account panels, hashtag chips. No inline scripts (CSP): everything is driven
// by data-* attributes of templates/content/compose/. The form works without this
// file as a plain POST; HTMX posts it to the checks while typing (hx-trigger on the
// form), and this file fires "composer:changed" on the form when something changes
// that is not an input event (media moved, added, removed).
(() => {
  "use strict";

  // Colour dots (the list's pillars): CSSOM is allowed, style="" attributes are not.
  for (const dot of document.querySelectorAll("[data-color]")) {
    dot.style.backgroundColor = dot.dataset.color;
  }

  const form = document.querySelector("form[data-composer]");
  if (!form) return;

  const changed = () => {
    markDirty();
    form.dispatchEvent(new CustomEvent("composer:changed", { bubbles: true }));
  };

  // ---------------------------------------------------------------- unsaved changes
  const markDirty = () => {
    for (const note of document.querySelectorAll("[data-unsaved-note]")) note.hidden = false;
  };
  form.addEventListener("input", markDirty);

  // ---------------------------------------------------------------- announcements
  const status = document.getElementById("media-status");
  const announce = (key, values) => {
    if (!status) return;
    let text = status.dataset[key] || "";
    for (const [k, v] of Object.entries(values)) text = text.replace(`{${k}}`, v);
    status.textContent = text;
  };

  // ---------------------------------------------------------------- media lists
  const itemsOf = (field) => [...field.querySelectorAll(":scope .media-list > .media-item")];
  const nameOf = (item) => item.querySelector("[data-media-name]")?.textContent.trim() || "";

  const refreshField = (field) => {
    const items = itemsOf(field);
    items.forEach((item, index) => {
      const pos = item.querySelector(".media-pos");
      if (pos) pos.textContent = String(index + 1);
      const up = item.querySelector('[data-move="up"]');
      const down = item.querySelector('[data-move="down"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === items.length - 1;
    });
    const empty = field.querySelector("[data-media-empty]");
    if (empty) empty.hidden = items.length > 0;
  };

  const mediaChanged = (field) => {
    refreshField(field);
    updateAllPanels();
    changed();
  };

  for (const field of document.querySelectorAll("[data-media-field]")) refreshField(field);

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move], [data-remove]");
    if (!button || !form.contains(button)) return;
    const item = button.closest(".media-item");
    const field = button.closest("[data-media-field]");
    if (!item || !field) return;
    const list = item.parentElement;
    if (button.hasAttribute("data-remove")) {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      announce("removed", { name: nameOf(item) });
      mediaChanged(field);
      (next?.querySelector("[data-remove]") || field.closest("section, .own-media")?.querySelector("[data-picker-open]"))?.focus();
      return;
    }
    const up = button.dataset.move === "up";
    const sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(item, up ? sibling : sibling.nextElementSibling);
    mediaChanged(field);
    const again = item.querySelector(`[data-move="${button.dataset.move}"]`);
    (again && !again.disabled ? again : item.querySelector("[data-move]:not(:disabled)"))?.focus();
    announce("moved", { name: nameOf(item), n: String(itemsOf(field).indexOf(item) + 1) });
  });

  // Native HTML5 drag and drop within one list.
  let dragged = null;
  form.addEventListener("dragstart", (event) => {
    const item = event.target instanceof Element ? event.target.closest(".media-item") : null;
    if (!item || item.matches("fieldset:disabled *")) {
      if (item) event.preventDefault();
      return;
    }
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.assetId || "");
  });
  form.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const list = event.target instanceof Element ? event.target.closest(".media-list") : null;
    if (!list || list !== dragged.parentElement) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const over = event.target.closest(".media-item");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const horizontal = getComputedStyle(list).flexDirection === "row";
    const after = horizontal
      ? event.clientX > box.left + box.width / 2
      : event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  form.addEventListener("drop", (event) => {
    if (dragged) event.preventDefault();
  });
  form.addEventListener("dragend", () => {
    if (!dragged) return;
    const item = dragged;
    dragged = null;
    item.classList.remove("dragging");
    const field = item.closest("[data-media-field]");
    if (field) {
      mediaChanged(field);
      announce("moved", { name: nameOf(item), n: String(itemsOf(field).indexOf(item) + 1) });
    }
  });

  // ---------------------------------------------------------------- the library picker
  const dialog = document.getElementById("media-picker");
  const pickerBody = document.getElementById("media-picker-body");
  const template = document.getElementById("media-item-template");
  let activeField = null;

  const idsIn = (field) => itemsOf(field).map((item) => item.dataset.assetId);

  const markPicked = () => {
    if (!pickerBody || !activeField) return;
    const chosen = new Set(idsIn(activeField));
    for (const button of pickerBody.querySelectorAll(".pick-asset")) {
      button.setAttribute("aria-pressed", chosen.has(button.dataset.assetId) ? "true" : "false");
    }
  };

  const addItem = (field, data) => {
    if (!template || idsIn(field).includes(data.id)) return false;
    const item = template.content.querySelector(".media-item").cloneNode(true);
    item.dataset.assetId = data.id;
    item.dataset.kind = data.kind || "";
    const input = item.querySelector("input[type=hidden]");
    input.name = field.dataset.name;
    input.value = data.id;
    const name = item.querySelector("[data-media-name]");
    name.textContent = data.name || data.id;
    for (const button of item.querySelectorAll("button[aria-label]")) {
      button.setAttribute("aria-label", button.getAttribute("aria-label").replace("{name}", data.name || data.id));
    }
    const thumb = item.querySelector(".media-thumb");
    if (data.thumb) {
      const img = document.createElement("img");
      img.src = data.thumb;
      img.alt = "";
      img.width = 56;
      img.height = 56;
      img.draggable = false;
      thumb.replaceChildren(img);
    } else {
      const label = thumb.querySelector("[data-kind-label]");
      if (label) label.textContent = data.kind || "";
    }
    field.querySelector(".media-list").append(item);
    announce("added", { name: data.name || data.id });
    mediaChanged(field);
    return true;
  };

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-picker-open]");
    if (opener && dialog) {
      activeField = document.getElementById(opener.dataset.pickerOpen);
      dialog.querySelector("[data-picker-search]")?.reset();
      if (!dialog.open) dialog.showModal();
      markPicked();
      return;
    }
    if (event.target.closest("[data-picker-close]") && dialog) {
      dialog.close();
      return;
    }
    const pick = event.target.closest(".pick-asset");
    if (pick && activeField && dialog?.contains(pick)) {
      event.preventDefault();
      addItem(activeField, {
        id: pick.dataset.assetId,
        kind: pick.dataset.assetKind,
        thumb: pick.dataset.thumb,
        name: pick.dataset.name,
      });
      markPicked();
    }
    const tag = event.target.closest(".suggest-tag");
    if (tag && form.contains(tag)) {
      event.preventDefault();
      addTags([tag.dataset.tag]);
      return;
    }
    const group = event.target.closest(".insert-group");
    if (group && form.contains(group)) {
      event.preventDefault();
      addTags((group.dataset.tags || "").split(/[\s,]+/));
    }
  });
  if (dialog) {
    // A click on the backdrop (outside the dialog's box) closes it.
    dialog.addEventListener("click", (event) => {
      if (event.target !== dialog) return;
      const box = dialog.getBoundingClientRect();
      const inside =
        event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    });
  }
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === pickerBody) markPicked();
  });

  // ---------------------------------------------------------------- formats and panels
  const sharedField = document.getElementById("media-shared");

  const kindsOf = (panel) => {
    const own = panel.querySelector('input[name$="-own_media"]');
    const field = own?.checked ? panel.querySelector("[data-media-field]") : sharedField;
    return field ? itemsOf(field).map((item) => item.dataset.kind) : [];
  };

  // Mirrors content/forms.py default_format().
  const defaultFormat = (platform, formats, kinds) => {
    const count = (k) => kinds.filter((x) => x === k).length;
    const images = count("image");
    const videos = count("video");
    const documents = count("document");
    let wanted;
    if (!kinds.length) wanted = ["text", "image", "video"];
    else if (documents && !images && !videos) wanted = ["document"];
    else if (videos && images)
      wanted = ["carousel", ...(kinds[0] === "video" ? ["video", "reel"] : ["multi_image", "image", "photo_post"])];
    else if (videos) {
      wanted = videos === 1 ? ["video", "reel"] : ["carousel", "video", "reel"];
      if (platform === "instagram" && videos === 1) wanted = ["reel"];
    } else if (images >= 2) wanted = ["carousel", "multi_image", "photo_post"];
    else wanted = ["image", "photo_post"];
    return wanted.find((f) => formats.includes(f)) || formats[0] || "";
  };

  const updatePanel = (panel) => {
    const select = panel.querySelector("[data-format-select]");
    if (!select) return;
    const auto = panel.querySelector("[data-format-auto]");
    const kinds = kindsOf(panel);
    if (auto?.value === "1") {
      const options = [...select.options].map((o) => o.value);
      const wanted = defaultFormat(panel.dataset.platform, options, kinds);
      if (wanted && select.value !== wanted) select.value = wanted;
    }
    const format = select.value;
    const hasVideo = kinds.includes("video");
    for (const section of panel.querySelectorAll("[data-formats]")) {
      const shown = section.dataset.formats.split(" ").includes(format);
      section.hidden = !shown || (section.hasAttribute("data-needs-video") && !hasVideo);
    }
    const label = panel.querySelector("[data-format-label]");
    if (label) label.textContent = select.selectedOptions[0]?.textContent || "";
  };

  const updateAllPanels = () => {
    for (const panel of document.querySelectorAll("[data-target-panel]")) updatePanel(panel);
  };

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("[data-target-toggle]")) {
      const panel = document.getElementById(el.dataset.targetToggle);
      if (panel) {
        panel.hidden = !el.checked;
        if (el.checked) panel.open = true;
        updatePanel(panel);
      }
    } else if (el.matches("[data-format-select]")) {
      const panel = el.closest("[data-target-panel]");
      const auto = panel?.querySelector("[data-format-auto]");
      if (auto) auto.value = "0";
      const note = panel?.querySelector("[data-auto-note]");
      if (note) note.hidden = true;
      if (panel) updatePanel(panel);
    } else if (el.matches("[data-reveal]")) {
      const box = document.getElementById(el.dataset.reveal);
      if (box) {
        box.hidden = !el.checked;
        const area = box.querySelector("textarea[data-prefill-from-shared]");
        const shared = form.querySelector("[data-shared-text]");
        if (el.checked && area && !area.value && shared) area.value = shared.value;
        if (el.checked) box.querySelector("textarea, input:not([type=hidden]), button")?.focus();
      }
      const panel = el.closest("[data-target-panel]");
      if (panel) updatePanel(panel);
      if (el.name.endsWith("-own_media")) changed();
    }
  });
  updateAllPanels();

  // ---------------------------------------------------------------- hashtags
  const tagInput = form.querySelector("[data-hashtags]");
  const chips = tagInput ? document.querySelector(`[data-chips-for="${tagInput.id}"]`) : null;

  const parseTags = (value) => {
    const seen = new Set();
    const tags = [];
    for (const raw of value.split(/[\s,]+/)) {
      const tag = raw.replace(/^#+/, "").trim();
      if (tag && !seen.has(tag.toLowerCase())) {
        seen.add(tag.toLowerCase());
        tags.push(tag);
      }
    }
    return tags;
  };

  const setTags = (tags) => {
    tagInput.value = tags.map((t) => `#${t}`).join(" ");
    tagInput.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const addTags = (more) => {
    if (!tagInput) return;
    setTags(parseTags([tagInput.value, ...more].join(" ")));
  };

  const renderChips = () => {
    if (!chips) return;
    const tags = parseTags(tagInput.value);
    chips.replaceChildren(
      ...tags.map((tag) => {
        const li = document.createElement("li");
        li.className = "chip";
        li.append(`#${tag}`);
        if (!tagInput.matches(":disabled")) {
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "chip-remove";
          remove.textContent = "×";
          remove.setAttribute("aria-label", (chips.dataset.removeLabel || "Remove %(tag)s").replace("%(tag)s", `#${tag}`));
          remove.addEventListener("click", () => {
            setTags(parseTags(tagInput.value).filter((t) => t !== tag));
            tagInput.focus();
          });
          li.append(remove);
        }
        return li;
      }),
    );
    chips.hidden = tags.length === 0;
  };
  if (tagInput) {
    tagInput.addEventListener("input", renderChips);
    renderChips();
  }

  // The suggestions fragment is asked for the text and the chosen tags (hx-params="none"
  // keeps the rest of the form out of that GET).
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt?.hasAttribute?.("data-hashtag-suggest")) return;
    const shared = form.querySelector("[data-shared-text]");
    event.detail.parameters.text = shared ? shared.value.slice(0, 3000) : "";
    event.detail.parameters.tags = tagInput ? parseTags(tagInput.value).join(",") : "";
  });
})();
