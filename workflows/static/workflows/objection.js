/* The public objection form (workflows/objection.html): before anything is sent, the
   evidence chosen is checked against the limits the server applies (the form's data-max-*
   attributes, from settings). Over a limit the form says so, in the page's language (the
   messages are written into the form by the server), and is not sent: the server would
   refuse it, and a body over the total limit is refused before it is read, with a page that
   cannot give back what was typed. Without this script the server's refusals still apply. */
(function () {
  "use strict";
  if (window.objectionLimitsWired) { return; }
  window.objectionLimitsWired = true;

  // a multipart part's boundary and headers: a generous guess, so that the estimate of the
  // body errs on the side of what the server counts
  var PART_OVERHEAD = 256;

  function utf8Length(text) {
    return window.TextEncoder ? new TextEncoder().encode(text).length : text.length * 3;
  }

  /* The first limit the chosen files break, as the message to show, or "" */
  function problem(form) {
    var data = form.dataset;
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.push.apply(files, Array.prototype.slice.call(input.files || []));
    });
    if (!files.length) { return ""; }
    if (files.length > Number(data.maxFiles)) { return data.messageTooMany; }
    var big = files.filter(function (file) { return file.size > Number(data.maxFileBytes); });
    if (big.length) { return data.messageFileTooLarge.split("{name}").join(big[0].name); }
    var total = 0;
    form.querySelectorAll("input, textarea, select").forEach(function (field) {
      if (!field.name || field.disabled) { return; }
      if (field.type === "file") {
        Array.prototype.forEach.call(field.files || [], function (file) {
          total += file.size + utf8Length(file.name) + PART_OVERHEAD;
        });
      } else {
        total += utf8Length(field.value || "") + utf8Length(field.name) + PART_OVERHEAD;
      }
    });
    return total > Number(data.maxBodyBytes) ? data.messageTotalTooLarge : "";
  }

  function show(form, message) {
    var box = form.querySelector("[data-objection-error]");
    if (!box) { return; }
    box.hidden = !message;
    // no space after a full stop of Chinese (。), one after a Latin one
    var gap = /[\u3002\uff01\uff1f]$/.test(message) ? "" : " ";
    box.textContent = message ? message + gap + form.dataset.messageNotSent : "";
  }

  function objectionForm(node) {
    return node && node.closest ? node.closest("form[data-objection-limits]") : null;
  }

  // on the document, in the capture phase: before any other submit handler, and for a form
  // that arrives after this script ran (a page rendered by Turbo)
  document.addEventListener("submit", function (event) {
    var form = objectionForm(event.target);
    if (!form) { return; }
    var message = problem(form);
    show(form, message);
    if (message) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var input = form.querySelector("input[type=file]");
      if (input) { input.focus(); }
    }
  }, true);

  // said as soon as the files are chosen, and cleared once they are right
  document.addEventListener("change", function (event) {
    if (event.target.type !== "file") { return; }
    var form = objectionForm(event.target);
    if (form) { show(form, problem(form)); }
  }, true);

  // the server's page for an objection too large to read (config.limits): its link back to
  // the form goes back in the history when the form is where the visitor came from, so that
  // the form is shown with what was typed in it rather than empty
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-objection-back]");
    if (!link || window.history.length < 2 || !document.referrer) { return; }
    var from = new URL(document.referrer);
    if (from.origin === link.origin && from.pathname === link.pathname) {
      event.preventDefault();
      window.history.back();
    }
  });
}());
