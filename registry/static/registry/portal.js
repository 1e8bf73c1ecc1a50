/* Upload progress for forms marked data-upload-progress: the upload goes through
   XMLHttpRequest so that its progress events can drive a <progress> bar; the page
   the server answers with is then shown as usual. Without JavaScript the form
   submits normally. */
(function () {
  "use strict";
  function wire(form) {
    if (form.dataset.uploadWired) { return; }
    form.dataset.uploadWired = "1";
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
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
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }
  function init() {
    document.querySelectorAll("form[data-upload-progress]").forEach(wire);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("turbo:load", init);
}());
