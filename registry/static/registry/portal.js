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
     column's heading so that the card still says what each value is. A cell across every
     column ("No lesson recorded yet.") is the table's own line, not the first column's. */
  function labelCells(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var i = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var head = heads[i];
        var across = cell.colSpan > 1 && cell.colSpan >= heads.length;
        if (head && !across && !cell.hasAttribute("data-label") && head.textContent.trim()) {
          cell.setAttribute("data-label", head.textContent.trim());
        }
        i += cell.colSpan || 1;
      });
    });
  }

  /* Date fields (class portal-date-input): typed as 2026-09-01 or 2026年9月1日, or picked
     from the browser's calendar through the button beside the field. The button is for the
     mouse and touch (the calendar is the browser's own); the keyboard types the date. */
  function makePick(label, onPicked) {
    var pick = document.createElement("span");
    pick.className = "portal-date__pick portal-button portal-button--secondary";
    pick.innerHTML = '<i class="material-icons" aria-hidden="true">event</i>';
    var native = document.createElement("input");
    native.type = "date";
    native.className = "portal-date__native";
    native.tabIndex = -1;
    native.setAttribute("aria-hidden", "true");
    native.setAttribute("title", label || "");
    native.addEventListener("click", function () {
      // Chromium opens its calendar only from its own icon: open it from anywhere on the button
      if (native.showPicker) { try { native.showPicker(); } catch (e) { /* not allowed */ } }
    });
    native.addEventListener("change", function () { if (native.value) { onPicked(native.value); } });
    pick.appendChild(native);
    return pick;
  }

  function wireDate(input) {
    if (input.dataset.pickerWired) { return; }
    input.dataset.pickerWired = "1";
    var wrap = document.createElement("span");
    wrap.className = "portal-date";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(makePick(input.dataset.pickerLabel, function (value) {
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }));
  }

  /* The same field in viewflow's task forms: viewflow draws it as its own text field
     component (config/renderers.py), whose input exists only once the component has
     rendered (hence the observer below); the button goes at the end of the field's box. */
  function wireTaskDates() {
    document.querySelectorAll("vf-field-input.portal-date-input:not([data-picker-wired])")
      .forEach(function (host) {
        var input = host.querySelector("input");
        if (!input) { return; }
        host.setAttribute("data-picker-wired", "1");
        input.setAttribute("inputmode", "numeric");
        input.setAttribute("autocomplete", "off");
        var pick = makePick(host.getAttribute("data-picker-label"), function (value) {
          input.value = value;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
        pick.classList.add("portal-date__pick--in-field");
        host.appendChild(pick);
      });
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
    new MutationObserver(function () { labelFileInputs(); wireTaskDates(); })
      .observe(document.documentElement, { childList: true, subtree: true });
  }

  /* A background job's progress (.portal-job, registry/jobs/_job.html): the worker's numbers,
     polled from data-job-status until the job is over, move the bar (role=progressbar,
     aria-valuenow) and are said in words (aria-live); then the result's link appears, or
     why the job failed. No framework: fetch and a timer that slows down while nothing
     changes. */
  function wireJob(box) {
    if (box.dataset.jobWired || box.dataset.jobOver === "1" || !window.fetch) { return; }
    box.dataset.jobWired = "1";
    var bar = box.querySelector("[role=progressbar]");
    var fill = box.querySelector(".portal-bar__fill");
    var message = box.querySelector(".portal-job__message");
    var state = box.querySelector(".portal-job__state");
    var result = box.querySelector(".portal-job__result");
    var delay = 800;
    var last = "";
    function show(s) {
      if (s.percent === null || s.percent === undefined) {
        bar.removeAttribute("aria-valuenow");
        bar.classList.add("portal-bar--indeterminate");
      } else {
        bar.setAttribute("aria-valuenow", String(s.percent));
        bar.classList.remove("portal-bar--indeterminate");
        fill.style.width = s.percent + "%";
      }
      bar.setAttribute("aria-valuetext", s.message || "");
      if (message && message.textContent !== s.message) { message.textContent = s.message; }
      if (state) {
        state.textContent = s.state_name;
        state.className = "portal-badge portal-job__state portal-badge--" +
          (s.state === "done" ? "ok" : s.state === "failed" ? "bad" : "info");
      }
      if (s.state === "failed" && message) {
        message.classList.add("portal-error");
        message.setAttribute("role", "alert");
      }
      if (s.result_url && result) {
        var link = result.querySelector("a");
        link.href = s.result_url;
        if (s.result_label) { link.textContent = s.result_label; }
        result.hidden = false;
      }
    }
    function poll() {
      window.fetch(box.dataset.jobStatus, { credentials: "same-origin",
                                            headers: { Accept: "application/json" } })
        .then(function (answer) {
          if (!answer.ok) { throw new Error(String(answer.status)); }
          return answer.json();
        })
        .then(function (s) {
          show(s);
          if (s.over) { box.dataset.jobOver = "1"; return; }
          var now = s.state + ":" + s.done + "/" + s.total;
          delay = now === last ? Math.min(delay * 1.5, 5000) : 800;
          last = now;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, 300);
  }

  // a task page's document viewer stays out of the way until a document is opened in it
  function wireDocumentViewer(viewer) {
    viewer.classList.add("case-document-viewer--idle");
    document.querySelectorAll("a.case-document-open").forEach(function (link) {
      link.addEventListener("click", function () {
        viewer.classList.remove("case-document-viewer--idle");
        viewer.scrollIntoView({block: "nearest"});
      });
    });
  }

  function init() {
    labelFileInputs();
    // a task form's errors are said as soon as the page comes back with them
    document.querySelectorAll(".vf-form__errors:not([role])").forEach(function (box) {
      box.setAttribute("role", "alert");
    });
    document.querySelectorAll("form[data-upload-progress]").forEach(wireUpload);
    document.querySelectorAll("main table").forEach(labelCells);
    document.querySelectorAll("input.portal-date-input").forEach(wireDate);
    wireTaskDates();
    document.querySelectorAll(".portal-job[data-job-status]").forEach(wireJob);
    document.querySelectorAll("iframe.case-document-viewer").forEach(wireDocumentViewer);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("turbo:load", init);
}());
