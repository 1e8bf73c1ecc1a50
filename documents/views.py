"""Web pages: a provider's documents with the upload form, and the clerk's review."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from documents import generated, papers, permissions, selectors, services
from documents.delivery import (
    download_response,
    find_subject,
    generated_form_response,
    readable_document_or_404,
    storage_unavailable_response,
    view_address_valid,
    view_response,
)
from documents.forms import RejectForm, UploadForm
from documents.models import EngagementPaper
from registry.models import Engagement, Organization
from registry.requests import (
    FILES_NOT_KEPT,
    BadRequest,
    error_messages,
    files_not_kept,
    form_error,
    paginate,
)
from registry.roles import Role
from registry.selectors import objects_for_role, person_of_user

QUEUE_COUNT_LIMIT = 1000  # the documents home page counts the review queue this far


class DocumentsHomeView(LoginRequiredMixin, View):
    """What the user may open: their own subjects, and the review queue for clerks."""

    def get(self, request):
        organizations = objects_for_role(request.user, Role.PROVIDER, "registry.organization")
        people = list(objects_for_role(request.user, Role.PROVIDER, "registry.person"))
        # the person the account is reads what is held about them, with or without the
        # provider role on their record (an account an administrator linked, a role taken
        # away): listed apart, to read, unless the role already lists it to keep
        own = person_of_user(request.user)
        own_record = (own if own is not None and own not in people
                      and permissions.is_own_record(request.user, own) else None)
        # counted up to one past the limit, in the queue's order (its index): a clerk of a
        # province may have a hundred thousand documents waiting, and this page only says
        # how many, up to "more than 1,000"
        queue = selectors.documents_awaiting_review(request.user)
        queue_count = queue[:QUEUE_COUNT_LIMIT + 1].count()
        return render(request, "documents/home.html", {
            "organizations": organizations, "people": people, "own_record": own_record,
            "queue_count": queue_count, "queue_more": queue_count > QUEUE_COUNT_LIMIT,
            "queue_limit": QUEUE_COUNT_LIMIT,
        })


class SubjectDocumentsView(LoginRequiredMixin, View):
    """One organization's or person's checklist, history and upload form."""

    def _subject(self, request, kind, pk):
        subject = find_subject(kind, pk)
        # one the user may not read answers as one nobody holds (the same 404, the same
        # words): a 403 told whoever tries numbers which providers the registry holds. Who
        # may read it and not upload is told so below: its existence is no news to them.
        if subject is None or not permissions.may_view_documents(request.user, subject):
            raise Http404(_("No such organization or person."))
        return subject

    def _render(self, request, subject, kind, form, status=200):
        checklist = selectors.requirement_checklist(
            subject, within_days=selectors.renewal_look_ahead())
        return render(request, "documents/subject.html", {
            "subject": subject, "kind": kind, "checklist": checklist, "form": form,
            "documents": selectors.documents_of(subject),
            "may_upload": permissions.may_upload_documents(request.user, subject),
            "may_review": permissions.may_review_documents(request.user, subject),
        }, status=status)

    @staticmethod
    def _upload_form(subject, *args):
        offerings = (selectors.active_offerings_of(subject)
                     if isinstance(subject, Organization) else [])
        return UploadForm(*args, offerings=offerings,
                          document_types=selectors.document_types_for(subject,
                                                                       offerings=offerings))

    def get(self, request, kind, pk):
        subject = self._subject(request, kind, pk)
        form = self._upload_form(subject)
        # ?type=<code>: the type a link came to upload (a re-certification's due document);
        # one this subject is not asked for selects nothing
        form.initial["document_type"] = request.GET.get("type", "")
        return self._render(request, subject, kind, form)

    def post(self, request, kind, pk):
        subject = self._subject(request, kind, pk)
        if not permissions.may_upload_documents(request.user, subject):
            raise PermissionDenied(_("You may not upload documents for this provider."))
        form = self._upload_form(subject, request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.document_upload(
                    actor=request.user, subject=subject,
                    document_type=form.cleaned_data["document_type"], file=upload,
                    filename=upload.name, issued_on=form.cleaned_data["issued_on"],
                    expires_on=form.cleaned_data["expires_on"],
                    declared_content_type=upload.content_type,
                    offering=form.cleaned_data.get("offering"),
                )
            except ValidationError as error:
                form_error(form, error, rename={"filename": "file"})
            except services.StorageUnavailable as error:
                form.add_error(None, str(error))
                files_not_kept(form)
                return self._render(request, subject, kind, form, status=503)
            else:
                messages.success(request, _("The document was uploaded and awaits review."))
                return redirect(request.path)
        files_not_kept(form)
        return self._render(request, subject, kind, form, status=400)


class ReviewQueueView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "documents/review_queue.html", {
            "documents": selectors.documents_awaiting_review(request.user)[:200],
        })


class DocumentReviewView(LoginRequiredMixin, View):
    """A clerk looks at one document and verifies or rejects it."""

    def _document(self, request, pk):
        # a document the user may not even read is one nobody holds; one they read (an
        # approver, an expert on its panel) and may not review, they are told so
        document = readable_document_or_404(pk, request.user)
        if not permissions.may_review_documents(request.user, document.subject):
            raise PermissionDenied(_("You may not review this provider's documents."))
        return document

    def _render(self, request, document, form, status=200):
        return render(request, "documents/review.html", {
            "document": document, "form": form,
            "history": selectors.documents_of(document.subject).filter(
                document_type=document.document_type),
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self._document(request, pk), RejectForm())

    def post(self, request, pk):
        document = self._document(request, pk)
        form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
        try:
            if request.POST.get("action") == "verify":
                services.document_verify(actor=request.user, document=document)
                messages.success(request, _("The document is verified."))
            elif form.is_valid():
                services.document_reject(actor=request.user, document=document,
                                         reason=form.cleaned_data["reason"])
                messages.success(request, _("The document is rejected."))
            else:
                return self._render(request, document, form, status=400)
        except ValidationError as error:
            form = RejectForm()
            form.add_error(None, error.messages)
            return self._render(request, document, form, status=400)
        return redirect(reverse("documents:review-queue"))


class DocumentDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        document = readable_document_or_404(pk, request.user)
        try:
            return download_response(request, document)
        except services.StorageUnavailable:
            return storage_unavailable_response()


class DocumentInlineView(LoginRequiredMixin, View):
    """A document read beside a task's form, through the short-lived address the task page
    gave this reader (``delivery.view_address``); the permission is checked again."""

    def get(self, request, pk):
        # whether the reader may read it at all, first: for one who may not, it is one
        # nobody holds, whatever the link; only a reader who may is told the link is stale
        document = readable_document_or_404(pk, request.user)
        if not view_address_valid(request.GET.get("t", ""), request.user, document):
            raise PermissionDenied(_("This link has expired or is not yours. Reload the task "
                                     "page to get a new one."))
        try:
            return view_response(request, document)
        except services.StorageUnavailable:
            return storage_unavailable_response()


class AccessLogView(LoginRequiredMixin, View):
    """Who read sensitive personal data. A person sees which bureaus read theirs and when;
    a bureau administrator (``?scope=bureau``) reads the log of their bureaus' reads."""

    def get(self, request):

        administrator = request.GET.get("scope") == "bureau"
        if administrator:
            if not objects_for_role(request.user, Role.BUREAU_ADMIN, "registry.bureau").exists():
                raise PermissionDenied(_("Only a bureau administrator may read this log."))
            accesses = selectors.personal_data_accesses_for_admin(request.user)
        else:
            person = person_of_user(request.user)
            if person is None:
                raise PermissionDenied(_("This page is for a registered person, in their own "
                                         "account."))
            accesses = selectors.personal_data_accesses_of_person(person)
        try:
            page = paginate(accesses, request.GET.get("page"), per_page=50)
        except BadRequest as error:
            return render(request, "registry/error.html", {"errors": error_messages(error)},
                          status=400)
        reach = permissions.case_reach()
        for access in page.object_list:
            access.case_words = reach.label_words(access.case_label)
        return render(request, "documents/access_log.html", {
            "page": page, "administrator": administrator})


class EngagementPaperUploadView(LoginRequiredMixin, View):
    """One side uploads its signed copy of an engagement's paper."""

    def post(self, request, pk):
        engagement = Engagement.objects.select_related("school").filter(pk=pk).first()
        if engagement is None or not papers.may_read_papers(request.user, engagement):
            # who asks first: to an outsider it is an engagement nobody holds (the same 404,
            # the same words), and nothing of the upload is looked at
            raise Http404(_("No such engagement."))
        upload = request.FILES.get("file")
        back = reverse("registry:engagement-detail", args=[engagement.pk]) + "#papers"
        try:
            if upload is None:
                raise ValidationError({"file": _("Choose the signed copy to upload.")})
            papers.engagement_paper_upload(
                actor=request.user, engagement=engagement,
                kind=request.POST.get("kind", ""), side=request.POST.get("side", ""),
                file=upload, filename=upload.name, declared_content_type=upload.content_type)
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
            if upload is not None:  # the page it goes back to has no file chosen
                messages.error(request, FILES_NOT_KEPT)
            return redirect(back)  # the messages above say what to mend
        except services.StorageUnavailable:
            return storage_unavailable_response()
        messages.success(request, _("Signed copy uploaded."))
        return redirect(back)


class EngagementPaperDownloadView(LoginRequiredMixin, View):
    """A signed paper, for either side of its engagement."""

    def get(self, request, pk):
        paper = EngagementPaper.objects.select_related(
            "engagement__school", "engagement__organization", "engagement__person",
        ).filter(pk=pk).first()
        # an outsider's answer is that of a paper nobody holds (the service checks again)
        if paper is None or not papers.may_read_papers(request.user, paper.engagement):
            raise Http404(_("No such signed paper."))
        try:
            file = papers.engagement_paper_open(actor=request.user, paper=paper)
        except services.StorageUnavailable:
            return storage_unavailable_response()
        return FileResponse(file, as_attachment=True, filename=paper.original_name,
                            content_type=paper.content_type)
class GeneratedFormView(LoginRequiredMixin, View):
    """The application form (申请表) or commitment letter (承诺书) of a subject, generated
    from what its provider entered, to print, sign and upload back. Its own providers only."""

    def get(self, request, kind, pk, form):
        subject = find_subject(kind, pk)
        # another provider's reads as one nobody holds (as the API's): not even its existence
        if (subject is None or form not in generated.FORMS
                or not permissions.may_upload_documents(request.user, subject)):
            raise Http404(_("No such organization or person."))
        return generated_form_response(subject, form)
