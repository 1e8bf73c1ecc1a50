/* The registry's small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  /* Upload progress for forms marked data-upload-progress: the upload goes through
     XMLHttpRequest so that its progress events can drive a <progress> bar. The page the
     server answers with then replaces the content area only: the menu and toolbar (custom
     elements that viewflow's frontend unmounts when a whole document is rewritten) stay. */
  function wireUpload(form) {
    if (form.dataset.uploadWired) { return; }
    form.dataset.uploadWired = "1";
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
      event.preventDefault();
      var bar = form.querySelector("progress") || document.createElement("progress");
      bar.className = "portal-progress";
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", form.dataset.uploadProgress || "");
      if (!bar.parentNode) { form.appendChild(bar); }
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      xhr.addEventListener("load", function () {
        bar.value = 100;
        var answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = answer.querySelector("main");
        var current = document.querySelector("main");
        if (!fresh || !current) {  // not one of our pages: show it as it is
          window.location.assign(xhr.responseURL || window.location.href);
          return;
        }
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.history.pushState({}, "", xhr.responseURL);
        }
        document.title = answer.title;
        current.replaceWith(document.importNode(fresh, true));
        init();
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }

  /* Tables become one card per row on a phone (portal.css): each cell is labelled with its
     column's heading so that the card still says what each value is. */
  function labelCells(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var i = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var head = heads[i];
        if (head && !cell.hasAttribute("data-label") && head.textContent.trim()) {
          cell.setAttribute("data-label", head.textContent.trim());
        }
        i += cell.colSpan || 1;
      });
    });
  }

  /* Date fields (class portal-date-input): typed as 2026-09-01 or 2026年9月1日, or picked
     from the browser's calendar through the button beside the field. */
  function wireDate(input) {
    if (input.dataset.pickerWired) { return; }
    input.dataset.pickerWired = "1";
    var wrap = document.createElement("span");
    wrap.className = "portal-date";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var pick = document.createElement("span");
    pick.className = "portal-date__pick portal-button portal-button--secondary";
    pick.innerHTML = '<i class="material-icons" aria-hidden="true">event</i>';
    var native = document.createElement("input");
    native.type = "date";
    native.className = "portal-date__native";
    native.tabIndex = -1;
    native.setAttribute("aria-hidden", "true");
    native.setAttribute("title", input.dataset.pickerLabel || "");
    native.addEventListener("change", function () {
      if (native.value) { input.value = native.value; }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    pick.appendChild(native);
    wrap.appendChild(pick);
  }

  /* viewflow's file field (vf-field-file) lays a transparent file input over its text field,
     labelled nowhere (the label belongs to the text field): name it after the field, so that
     a screen reader says what it picks. The component renders after this script may run, and
     again when a form comes back, hence the observer. */
  function labelFileInputs() {
    document.querySelectorAll("vf-field-file input[type=file]:not([aria-label])")
      .forEach(function (input) {
        var field = input.closest("vf-field-file");
        var label = (field && field.getAttribute("label")) || input.getAttribute("label");
        if (label) { input.setAttribute("aria-label", label); }
      });
  }
  if (window.MutationObserver) {
    new MutationObserver(labelFileInputs).observe(document.documentElement,
                                                  { childList: true, subtree: true });
  }

  function init() {
    labelFileInputs();
    document.querySelectorAll("form[data-upload-progress]").forEach(wireUpload);
    document.querySelectorAll("main table").forEach(labelCells);
    document.querySelectorAll("input.portal-date-input").forEach(wireDate);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("turbo:load", init);
}());
