/* The correction task (workflows/workflows/correction_task.html): before the form is sent,
   each replacement file chosen must have its issue date. The server refuses a file without
   one, and a form that comes back cannot be given the files again: the provider would have
   to choose every file anew. Here the form is not sent; the date field says what is missing
   and the box above the form says that nothing was sent and the files are still there (the
   words are the server's, in the page's language: the box's data-message-* attributes).
   Without this script the server's refusal still applies. */
(function () {
  "use strict";
  if (window.correctionDatesWired) { return; }
  window.correctionDatesWired = true;

  function box() {
    return document.querySelector("[data-correction-check]");
  }

  /* the issue-date inputs of the files chosen that have no date yet */
  function undated(form) {
    var missing = [];
    form.querySelectorAll("input[type=file][name$='_file']").forEach(function (input) {
      if (!input.files || !input.files.length) { return; }
      var name = input.name.replace(/_file$/, "_issued_on");
      var date = form.querySelector("input[name='" + name + "']");
      if (date && !date.value.trim()) { missing.push(date); }
    });
    return missing;
  }

  /* the field's own error line (viewflow's component shows its "error" attribute) */
  function mark(date, message) {
    var field = date.closest("vf-field-input");
    if (!field) { return; }
    if (message) {
      field.setAttribute("error", message);
    } else if (field.getAttribute("error") === box().dataset.messageDate) {
      field.removeAttribute("error");
    }
  }

  document.addEventListener("submit", function (event) {
    var check = box();
    var form = event.target;
    if (!check || !form.querySelector || !form.querySelector("input[type=file]")) { return; }
    var missing = undated(form);
    check.hidden = !missing.length;
    check.textContent = missing.length ? check.dataset.messageNotSent : "";
    if (!missing.length) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    missing.forEach(function (date) { mark(date, check.dataset.messageDate); });
    missing[0].focus();
  }, true);

  // a date given (typed, or picked from the calendar) clears its field's message
  function dated(event) {
    var input = event.target;
    if (!box() || !input.name || !/_issued_on$/.test(input.name)) { return; }
    if (input.value.trim()) { mark(input, ""); }
  }
  document.addEventListener("input", dated, true);
  document.addEventListener("change", dated, true);
}());
