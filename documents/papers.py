"""An engagement's signed papers (service agreement, safety responsibility letter),
uploaded back by each side after signing; stored privately like every document.

When the last of the four (two papers × two sides) arrives, the engagement is signed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import EngagementPaper
from documents.services import StorageUnavailable, inspect_upload, store_with_row
from documents.storage import STORAGE_ERRORS, document_storage
from documents.validation import check_declared_type, field_error, validate_filename
from registry import services as registry_services
from registry.models import Engagement


def paper_side_allowed(actor, engagement: Engagement, side: str) -> bool:
    """Whether ``actor`` signs for ``side`` of ``engagement``."""
    if actor is None or not actor.is_authenticated:
        return False
    if side == EngagementPaper.Side.SCHOOL:
        return actor.has_perm("registry.act_for_school", engagement.school)
    if side == EngagementPaper.Side.PROVIDER:
        return registry_services.may_act_for_provider(actor, engagement)
    return False


def may_read_papers(actor, engagement: Engagement) -> bool:
    return any(paper_side_allowed(actor, engagement, side)
               for side in EngagementPaper.Side.values)


def papers_current(engagement: Engagement) -> dict:
    """The current copy of each paper by each side: ``{(kind, side): paper}``."""
    return {(p.kind, p.side): p for p in EngagementPaper.objects.filter(
        engagement=engagement, superseded_at=None)}


def engagement_paper_upload(*, actor, engagement: Engagement, kind: str, side: str, file: File,
                            filename: str, declared_content_type: str | None = None
                            ) -> EngagementPaper:
    """Store one side's signed copy of one paper (PDF or image, inspected like every
    upload), superseding its previous copy; sign the engagement once all four are in.
    Refused, with nothing stored, for the wrong side, an unknown paper, a bad file, or an
    engagement past its draft."""
    if not may_read_papers(actor, engagement):
        raise PermissionDenied(_("You may not read this engagement's papers."))
    if kind not in EngagementPaper.Kind.values:
        raise field_error("kind", _("Unknown paper."), "unknown_paper")
    if side not in EngagementPaper.Side.values:
        raise field_error("side", _("Say which side signed: the school or the provider."),
                          "unknown_side")
    if not paper_side_allowed(actor, engagement, side):
        raise PermissionDenied(_("You do not sign for this side of the engagement."))
    if engagement.status != Engagement.Status.DRAFT:
        raise field_error("kind", _("The papers are fixed once the engagement is signed."),
                          "not_draft")
    name = validate_filename(filename)
    inspected = inspect_upload(file, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
                               allowed=list(settings.DOCUMENTS_ALLOWED_TYPES))
    check_declared_type(declared_content_type, inspected.content_type)
    status_after = {}

    def write_rows(key: str) -> EngagementPaper:
        locked = Engagement.objects.select_for_update(of=("self",)).get(pk=engagement.pk)
        if locked.status != Engagement.Status.DRAFT:
            raise field_error("kind", _("The papers are fixed once the engagement is "
                                        "signed."), "not_draft")
        now = timezone.now()
        EngagementPaper.objects.filter(engagement=locked, kind=kind, side=side,
                                       superseded_at=None).update(superseded_at=now)
        paper = EngagementPaper.objects.create(
            engagement=locked, kind=kind, side=side, original_name=name, storage_key=key,
            size=inspected.size, sha256=inspected.sha256,
            content_type=inspected.content_type, uploaded_by=actor, uploaded_at=now)
        registry_services.audit_record(
            actor=actor, action="engagement.paper_upload", target=locked,
            data={"kind": kind, "side": side, "sha256": inspected.sha256,
                  "paper": paper.pk})
        if len(papers_current(locked)) == (len(EngagementPaper.Kind.values)
                                           * len(EngagementPaper.Side.values)):
            registry_services.engagement_sign(actor=actor, engagement=locked)
        status_after["engagement"] = locked.status
        return paper

    paper = store_with_row(file, inspected.content_type, write_rows)
    engagement.status = status_after["engagement"]
    return paper


def engagement_paper_open(*, actor, paper: EngagementPaper):
    """The stored bytes of a signed paper, for either side of the engagement."""
    if not may_read_papers(actor, paper.engagement):
        raise PermissionDenied(_("You may not read this engagement's papers."))
    try:
        return document_storage().open(paper.storage_key, "rb")
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable() from exc
