// Media library behaviours (templates/content/media/). No inline scripts (CSP):
// everything is driven by data-* attributes, and every page works without it.
(() => {
  "use strict";

  const clamp = (value, low, high) => Math.min(Math.max(value, low), high);
  const locale = document.documentElement.lang || undefined;
  const number = (value) => new Intl.NumberFormat(locale).format(value);

  // ---------------------------------------------------------------- upload

  const uploadForm = document.getElementById("upload-form");
  if (uploadForm) {
    const input = uploadForm.querySelector("input[type=file]");
    const zone = uploadForm.querySelector("[data-dropzone]");
    const progress = uploadForm.querySelector("[data-upload-progress]");
    const status = uploadForm.querySelector("[data-upload-status]");

    if (zone && input) {
      let depth = 0;
      zone.addEventListener("dragenter", (event) => {
        event.preventDefault();
        depth += 1;
        zone.classList.add("is-over");
      });
      zone.addEventListener("dragover", (event) => {
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      });
      zone.addEventListener("dragleave", () => {
        depth = Math.max(0, depth - 1);
        if (depth === 0) zone.classList.remove("is-over");
      });
      zone.addEventListener("drop", (event) => {
        event.preventDefault();
        depth = 0;
        zone.classList.remove("is-over");
        const files = event.dataTransfer?.files;
        if (!files || files.length === 0) return;
        input.files = files;
        uploadForm.requestSubmit();
      });
    }

    uploadForm.addEventListener("htmx:beforeRequest", () => {
      if (progress) {
        progress.value = 0;
        progress.hidden = false;
      }
      if (status) status.textContent = status.dataset.sending || "";
    });
    uploadForm.addEventListener("htmx:xhr:progress", (event) => {
      const { loaded, total } = event.detail;
      if (!total) return;
      if (progress) progress.value = Math.round((loaded / total) * 100);
      if (status && loaded >= total) status.textContent = status.dataset.checking || "";
    });
    uploadForm.addEventListener("htmx:afterRequest", (event) => {
      if (progress) progress.hidden = true;
      if (status) status.textContent = "";
      if (event.detail.successful && input) input.value = "";
    });
  }

  // ---------------------------------------------------------------- character counters

  for (const counter of document.querySelectorAll("[data-counter-for]")) {
    const field = document.getElementById(counter.dataset.counterFor);
    if (!field) continue;
    const max = Number(field.dataset.countMax || 0);
    const update = () => {
      const count = Array.from(field.value).length;
      const over = count - max;
      counter.classList.toggle("is-over", max > 0 && over > 0);
      const template = over > 0 ? counter.dataset.over : counter.dataset.template;
      counter.textContent = (template || "{count}/{max}")
        .replace("{count}", number(count))
        .replace("{max}", number(max))
        .replace("{over}", number(over));
      field.setAttribute("aria-invalid", over > 0 ? "true" : "false");
    };
    field.addEventListener("input", update);
    update();
  }

  // ---------------------------------------------------------------- focal point and crops

  // The crop the server makes (media.images.focal_crop_box) expressed as object-position:
  // the largest box of the target's shape, centred on the focal point as far as the edges allow.
  const objectPosition = (width, height, ratio, fx, fy) => {
    let cropW = width;
    let cropH = height;
    if (width / height > ratio) cropW = height * ratio;
    else cropH = width / ratio;
    const left = clamp(fx * width - cropW / 2, 0, width - cropW);
    const top = clamp(fy * height - cropH / 2, 0, height - cropH);
    const px = width - cropW > 0.5 ? (left / (width - cropW)) * 100 : 50;
    const py = height - cropH > 0.5 ? (top / (height - cropH)) * 100 : 50;
    return `${px.toFixed(2)}% ${py.toFixed(2)}%`;
  };

  const focalForm = document.getElementById("focal-form");
  if (focalForm) {
    const inputX = focalForm.querySelector("[name=focal_x]");
    const inputY = focalForm.querySelector("[name=focal_y]");
    const editable = !focalForm.querySelector("fieldset[disabled]");
    const pickers = document.querySelectorAll("[data-focal-picker]");
    const crops = document.querySelector("[data-crops]");

    const current = () => ({
      x: clamp(Number(inputX?.value || 50) / 100, 0, 1),
      y: clamp(Number(inputY?.value || 50) / 100, 0, 1),
    });

    const show = () => {
      const { x, y } = current();
      for (const picker of pickers) {
        const marker = picker.querySelector(".focal-marker");
        if (!marker) continue;
        marker.style.left = `${x * 100}%`;
        marker.style.top = `${y * 100}%`;
        marker.hidden = false;
      }
      if (crops) {
        const width = Number(crops.dataset.width) || 1;
        const height = Number(crops.dataset.height) || 1;
        for (const img of crops.querySelectorAll("img[data-ratio]")) {
          img.style.objectPosition = objectPosition(width, height, Number(img.dataset.ratio), x, y);
        }
      }
    };

    for (const input of [inputX, inputY]) input?.addEventListener("input", show);

    if (editable && inputX && inputY) {
      for (const picker of pickers) {
        const img = picker.querySelector("img");
        if (!img) continue;
        picker.classList.add("is-active");
        img.addEventListener("click", (event) => {
          const box = img.getBoundingClientRect();
          if (!box.width || !box.height) return;
          const x = clamp((event.clientX - box.left) / box.width, 0, 1);
          const y = clamp((event.clientY - box.top) / box.height, 0, 1);
          inputX.value = (x * 100).toFixed(1);
          inputY.value = (y * 100).toFixed(1);
          show();
          focalForm.requestSubmit();
        });
      }
    }
    show();
  }

  // ---------------------------------------------------------------- subtitle editor

  const cueForm = document.querySelector("[data-cue-form]");
  if (cueForm) {
    const rows = cueForm.querySelector("[data-cue-rows]");
    const count = cueForm.querySelector("[data-cue-count]");
    const template = cueForm.querySelector("template[data-cue-template]");
    const video = document.querySelector("[data-cue-video]");

    for (const label of cueForm.querySelectorAll("[data-no-js]")) label.hidden = true;
    for (const button of cueForm.querySelectorAll("[data-cue-remove], [data-cue-now]")) {
      button.hidden = false;
    }
    if (!video) {
      for (const button of cueForm.querySelectorAll("[data-cue-now]")) button.hidden = true;
    }

    const pad = (value, size) => String(value).padStart(size, "0");
    const stamp = (seconds) => {
      const ms = Math.max(0, Math.round(seconds * 1000));
      const h = Math.floor(ms / 3600000);
      const m = Math.floor((ms % 3600000) / 60000);
      const s = Math.floor((ms % 60000) / 1000);
      return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)},${pad(ms % 1000, 3)}`;
    };

    const addRow = () => {
      if (!template || !rows || !count) return;
      const index = Number(count.value) || 0;
      count.value = String(index + 1);
      const html = template.innerHTML.replaceAll("__i__", String(index));
      rows.insertAdjacentHTML("beforeend", html);
      const row = rows.lastElementChild;
      if (!video) for (const button of row.querySelectorAll("[data-cue-now]")) button.hidden = true;
      // A new line starts where the one before it ends.
      const previous = row.previousElementSibling;
      const previousEnd = previous?.querySelector("input[name$='-end']")?.value;
      const start = row.querySelector("input[name$='-start']");
      if (start && previousEnd) start.value = previousEnd;
      (start?.value ? row.querySelector("input[name$='-end']") : start)?.focus();
    };

    cueForm.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target.closest("button") : null;
      if (!target) return;
      if (target.hasAttribute("data-cue-add") && template) {
        event.preventDefault();
        addRow();
      } else if (target.hasAttribute("data-cue-remove")) {
        const row = target.closest("[data-cue-row]");
        const next = row?.nextElementSibling || row?.previousElementSibling;
        row?.remove();
        (next?.querySelector("input") || cueForm.querySelector("[data-cue-add]"))?.focus();
      } else if (target.dataset.cueNow && video) {
        const row = target.closest("[data-cue-row]");
        const field = row?.querySelector(`input[name$='-${target.dataset.cueNow}']`);
        if (field) {
          field.value = stamp(video.currentTime);
          field.focus();
        }
      }
    });
  }
})();
