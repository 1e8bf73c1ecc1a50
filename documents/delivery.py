"""HTTP glue shared by the API and the web pages: finding subjects, answering downloads."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents import generated, permissions, services
from documents.models import Document
from documents.storage import STORAGE_ERRORS, document_storage, is_s3
from registry.models import Organization, Person

SUBJECT_MODELS = {"organization": Organization, "person": Person}
# Room for the multipart boundaries and the other form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


def declared_body_too_large(request) -> bool:
    """Whether the request says (Content-Length) it carries more than any allowed upload,
    so that it can be refused before its body is read and spooled to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.DOCUMENTS_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD


def find_subject(kind: str, pk) -> Organization | Person | None:
    model = SUBJECT_MODELS.get(kind)
    if model is None:
        return None
    queryset = model.objects.select_related("county") if model is Organization else \
        model.objects.select_related("organization__county")
    return queryset.filter(pk=pk).first()


def document_or_404(pk) -> Document:
    # the routes give ASCII digits only; anything else that reaches here names no document
    if not str(pk).isascii() or not str(pk).isdigit():
        raise Http404(_("No such document."))
    document = (Document.objects.select_related("document_type", "organization__county",
                                                "person__organization__county")
                .filter(pk=pk).first())
    if document is None:
        raise Http404(_("No such document."))
    return document


def readable_document_or_404(pk, user) -> Document:
    """The document ``pk``, if ``user`` may read its subject's documents. One they may not
    read answers as one nobody holds (the same 404, the same words): any other answer would
    tell whoever tries numbers which documents exist."""
    document = document_or_404(pk)
    if not permissions.may_view_documents(user, document.subject):
        raise Http404(_("No such document."))
    return document


def download_response(request, document: Document) -> HttpResponse:
    """Record the read and hand the bytes over: a redirect to a presigned S3 URL (at most
    5 minutes), or the file streamed from private local storage. Never cached."""
    ticket = services.document_download(actor=request.user, document=document)
    if ticket.url:
        response = HttpResponseRedirect(ticket.url)
    else:
        response = FileResponse(ticket.file, as_attachment=True,
                                filename=document.original_name,
                                content_type=document.content_type)
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def storage_unavailable_response() -> HttpResponse:
    return HttpResponse(str(services.StorageUnavailable.message), status=503,
                        content_type="text/plain; charset=utf-8")


def generated_form_response(subject, form: str) -> HttpResponse:
    """A generated form as a PDF attachment (web page and API alike)."""
    name = f"{form}-{subject._meta.model_name}-{subject.pk}.pdf"
    response = HttpResponse(generated.generated_form_pdf(subject, form),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- reading beside a task's form: a short-lived address bound to reader and document ------

VIEW_SALT = "documents.view"
VIEW_ADDRESS_SECONDS = 300


def view_address(user, document: Document) -> str:
    """A signed address for ``user`` to read ``document`` in the browser for the next
    ``VIEW_ADDRESS_SECONDS``: it names the reader, so it is worth nothing to anyone else
    (and the view checks the permission again)."""
    token = TimestampSigner(salt=VIEW_SALT).sign(f"{document.pk}.{user.pk}")
    return f"{reverse('documents:view', args=[document.pk])}?t={token}"


def view_address_valid(token: str, user, document: Document) -> bool:
    try:
        value = TimestampSigner(salt=VIEW_SALT).unsign(token or "",
                                                       max_age=VIEW_ADDRESS_SECONDS)
    except BadSignature:  # SignatureExpired is one
        return False
    return value == f"{document.pk}.{user.pk}"


def view_response(request, document: Document) -> HttpResponse:
    """Record the read and answer for reading in the page: an image scaled and upright, a
    PDF for the browser's own viewer (inline), anything else as a download."""
    ticket = services.document_view(actor=request.user, document=document)
    if ticket.content is not None:
        response = HttpResponse(ticket.content, content_type=document.content_type)
    elif ticket.url:
        response = HttpResponseRedirect(ticket.url)
    else:
        response = FileResponse(ticket.file, as_attachment=not ticket.inline,
                                filename=document.original_name,
                                content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # shown in the task page's own viewer (a frame of this site), never in another site's;
    # the browser's PDF viewer needs its plugin (object-src) in that frame
    response["X-Frame-Options"] = "SAMEORIGIN"
    response._csp_replace = {"frame-ancestors": ["'self'"], "object-src": ["'self'"]}
    return response


def viewer_frame_sources() -> list[str]:
    """The origins a page's document viewer frame may show besides this site's own: on S3
    the address of a PDF (``view_response``) redirects to a presigned URL of the bucket's
    endpoint, a frame navigation the page's ``frame-src`` must allow (it falls back to
    ``default-src 'self'`` otherwise, and the browser refuses it). Exactly that origin,
    as the storage itself writes its URLs (kept on the storage object); nothing on private
    local storage."""
    storage = document_storage()
    if not is_s3(storage):
        return []
    cached = getattr(storage, "_viewer_frame_sources", None)
    if cached is not None:
        return cached
    try:
        address = storage.url("documents/viewer-origin-probe", expire=60)
    except STORAGE_ERRORS:  # no credentials: nothing is presigned, nothing to allow
        return []
    parts = urlsplit(address)
    sources = ([f"{parts.scheme}://{parts.netloc}"]
               if parts.scheme in ("https", "http") and parts.netloc else [])
    storage._viewer_frame_sources = sources
    return sources


def allow_document_viewer(response) -> HttpResponse:
    """Let the page in ``response`` frame documents from the storage's origin (see
    ``viewer_frame_sources``): added to its ``frame-src``."""
    sources = viewer_frame_sources()
    if sources:
        update = dict(getattr(response, "_csp_update", None) or {})
        update["frame-src"] = [*update.get("frame-src", []), *sources]
        response._csp_update = update
    return response


class DocumentViewerFrameMiddleware:
    """Every HTML page may frame the document storage's origin (and only that one beyond
    its own): the task page's viewer frame opens documents from it. Every page, not just
    the task page, because viewflow's pages use Turbo Drive: the task page reached from the
    case page or from the "take this task" page is swapped into *that* page's document,
    whose Content-Security-Policy stays in force (Chromium refused the frame with the task
    page's own header right). Listed after django-csp's middleware, so that its policy is
    written with this page's addition."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            allow_document_viewer(response)
        return response
