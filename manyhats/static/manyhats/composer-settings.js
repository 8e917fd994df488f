// Settings > Strategy: a campaign's UTM name field shows, as its placeholder, the
// name the server makes from the campaign's name when the field is left empty
// (django.utils.text.slugify: accents dropped, lower case, words joined by "-").
(() => {
  "use strict";

  const slugify = (value) =>
    value
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\w\s-]/g, "")
      .replace(/[^\x00-\x7f]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[-\s]+/g, "-")
      .replace(/^[-_]+|[-_]+$/g, "")
      .slice(0, 80);

  for (const field of document.querySelectorAll("input[data-slug-from]")) {
    const source = document.getElementById(field.dataset.slugFrom);
    if (!source) continue;
    const update = () => {
      field.placeholder = slugify(source.value);
    };
    source.addEventListener("input", update);
    update();
  }
})();
