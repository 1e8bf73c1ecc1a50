"""The public notices (公示): the list of cases in notice, and the public's objection form.

Open to everyone, signed in or not. A notice that is over (ended, or stopped early) says so
on its objection form's address rather than answering "page not found": the public is told
that objections are no longer accepted, and that one sent now was not recorded.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from documents.services import StorageUnavailable
from registry.requests import form_error
from workflows import selectors
from workflows.services import objections
from workflows.views import MultipleFileField


class NoticeListView(generic.ListView):
    """Cases in public notice, with their end dates; open to everyone."""

    template_name = "workflows/notice_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notices_open()


def notice_closed(request, pk: int):
    """The objection form of a notice that is over: 410, saying since when (or that it was
    stopped early) and where to go. A case never in public notice is one nobody holds (404):
    its existence was never public."""
    case = selectors.notice_closed(pk)
    if case is None:
        raise Http404(_("No such public notice."))
    ended = case.notice_ends_on < timezone.localdate()
    return render(request, "workflows/notice_closed.html",
                  {"case": case, "ended": ended, "posted": request.method == "POST"},
                  status=410)


class ObjectionForm(forms.Form):
    real_name = forms.CharField(label=_("Your real name"), max_length=64)
    contact = forms.CharField(label=_("Phone or email"), max_length=128)
    reason = forms.CharField(label=_("Objection and the facts it rests on"),
                             widget=forms.Textarea, max_length=5000)
    evidence = MultipleFileField(label=_("Evidence (PDF, JPEG or PNG, optional, at most 3 "
                                         "files)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the browser's file chooser offers only the types the inspection accepts
        self.fields["evidence"].widget.attrs["accept"] = ",".join(
            settings.DOCUMENTS_ALLOWED_TYPES)


# A refusal of the evidence file itself (documents' inspection names it ``file``)
_EVIDENCE_ERROR_FIELDS = {"file", "filename"}


class ObjectionView(generic.FormView):
    """The public's objection during a notice. A refused submission comes back as the form,
    with what was typed and a 400 (413 for a file over its size): a browser cannot be given
    files back, so the evidence field says to choose them again."""

    template_name = "workflows/objection.html"
    form_class = ObjectionForm
    # config.limits lets this view show its refusal of an evidence file (too many, too
    # large: ``request.upload_refusal``) in the form rather than answering a bare page
    renders_upload_refusal = True

    def dispatch(self, request, *args, **kwargs):
        self.case = selectors.notices_open().filter(pk=kwargs["pk"]).first()
        if self.case is None:
            return notice_closed(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": self.case}

    def post(self, request, *args, **kwargs):
        refusal = getattr(request, "upload_refusal", None)
        if refusal is None:
            return super().post(request, *args, **kwargs)
        # the upload was stopped: the files are gone, what was typed before them is here
        status, message = refusal
        form = self.form_class(data=request.POST)
        form.is_valid()
        form.add_error("evidence", message)
        return self.form_invalid(form, status=status)

    def form_invalid(self, form, status=400):
        if self.request.FILES or getattr(self.request, "upload_refusal", None):
            form.add_error("evidence", _("Files are not kept when the form comes back: "
                                         "please choose the files again."))
        response = super().form_invalid(form)
        response.status_code = status
        return response

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            objections.objection_file(case=self.case, real_name=data["real_name"],
                                      contact=data["contact"], reason=data["reason"],
                                      evidence=data.get("evidence") or [],
                                      filed_by=self.request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                error = ValidationError({
                    "evidence" if field in _EVIDENCE_ERROR_FIELDS else field: errors
                    for field, errors in error.error_dict.items()})
            form_error(form, error)
            return self.form_invalid(form)
        except StorageUnavailable as error:  # nothing was saved; say so and keep the form
            form.add_error("evidence", str(error))
            response = self.form_invalid(form)
            response.status_code = 503
            return response
        messages.success(self.request, _("Your objection was received. The bureau will "
                                         "contact you about the outcome."))
        return HttpResponseRedirect(reverse("workflows:notices"))
