"""Which lapsed documents suspend an approval (the nightly sweep's rule), and which
approvals a run of the sweep must look at.

The rule (``_expired_required``, ``_unverified_over_expired``, ``HIGH_RISK_DUE``) is the
checklist's, set-based for a million holders; ``due_types`` reads the same three for one
approval: the guard before each suspension. The candidates are found against a watermark
(``workflows.models.SweepWatermark``): a run reads only what can have become due since the
last run that left nothing behind, so that its cost follows the day's lapses, not the
years of expired documents of holders suspended long ago (make bench: sweep_seconds)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from documents.models import Document, DocumentType
from registry.expiry import expired_q
from registry.models import Approval, Offering, ServiceCategory
from registry.models.geography import high_risk_q
from workflows.models import SweepWatermark


def _expired_required(today, holder: str):
    """The current versions of ``holder``'s (a column: organization_id or person_id)
    required documents that have expired on ``today`` (of a type the catalogue still asks
    for: document_types_for)."""
    return Document.objects.filter(expired_q(today), superseded_at__isnull=True,
                                   document_type__is_required=True,
                                   document_type__is_active=True,
                                   **{f"{holder}__isnull": False})


def _unverified_over_expired(today, holder: str):
    """``holder``'s verified versions of required documents that have expired on
    ``today`` and were replaced by an upload that is no evidence yet, or never will be
    (awaiting review, or rejected; not itself expired): as the checklist says
    (ChecklistItem.in_force), only a verified version is in force, so a renewal, however
    far its expiry, does not carry the expired one until a clerk verifies it. The newest
    verified replaced version of each type counts, as in the checklist.

    Read from the replaced verified versions (document_replaced_expiry_idx), the current
    version through its one-per-type unique index: an upload awaiting review is common
    (131k at 100k organizations / 1M people), a lapse under it is not."""
    def same_item(**extra):
        return Document.objects.filter(
            Exact(Coalesce("offering", 0), Coalesce(OuterRef("offering"), 0)),
            document_type=OuterRef("document_type"), **{holder: OuterRef(holder)}, **extra)

    unverified_current = same_item(
        superseded_at__isnull=True,
        review_state__in=[Document.ReviewState.PENDING, Document.ReviewState.REJECTED],
    ).exclude(expired_q(today))  # an expired current version is _expired_required's
    newer_verified = same_item(superseded_at__isnull=False,
                               review_state=Document.ReviewState.VERIFIED).filter(
        Q(uploaded_at__gt=OuterRef("uploaded_at"))
        | Q(uploaded_at=OuterRef("uploaded_at"), pk__gt=OuterRef("pk")))
    return (Document.objects.filter(
        expired_q(today), superseded_at__isnull=False,
        review_state=Document.ReviewState.VERIFIED, document_type__is_required=True,
        document_type__is_active=True, **{f"{holder}__isnull": False})
        .filter(Exists(unverified_current)).exclude(Exists(newer_verified)))


# Where a holder's document for high-risk sports (DocumentType.for_high_risk) is due: a
# person's qualification where the approval names a high-risk sport, an organization's
# licence where it offers one (DocumentType.required_of). The one rule of both the
# candidates and each approval's due list.
# Correlated (EXISTS), so that the database asks it only of the approvals a lapsed document
# leaves, not of every approval: joined, it read 139k offerings per run (make bench).
HIGH_RISK_DUE = {
    "organization_id": Exists(Offering.objects.filter(
        high_risk_q("category"), organization=OuterRef("organization"), is_active=True)),
    "person_id": Exists(ServiceCategory.objects.filter(high_risk_q(), approvals=OuterRef("pk"))),
}


def _holder(approval) -> str:
    return "organization_id" if approval.organization_id else "person_id"


def due_types(approval, today) -> list[dict]:
    """What ``approval``'s holder must renew: each required document whose version in
    force has expired, named by that version (the renewal must replace it and expire
    later). The rule of the candidates, for one approval; asked again of each, locked, before
    it is suspended (``recertification._suspend_expired``), and before a suspended one comes
    back in force (``credential_hold_check``)."""
    holder = _holder(approval)
    mine = {holder: getattr(approval, holder)}
    expired = (_expired_required(today, holder).filter(**mine)
               .select_related("document_type"))
    unverified = (_unverified_over_expired(today, holder).filter(**mine)
                  .select_related("document_type"))
    if not Approval.objects.filter(HIGH_RISK_DUE[holder], pk=approval.pk).exists():
        # a document for high-risk sports of a holder who does not teach or offer one is no
        # credential this approval rests on
        expired = expired.exclude(document_type__for_high_risk=True)
        unverified = unverified.exclude(document_type__for_high_risk=True)
    return [{"code": d.document_type.code, "name": d.document_type.name, "document": d.pk,
             "expires_on": d.expires_on.isoformat()} for d in [*expired, *unverified]]


# --- which approvals a run looks at (the watermark) ---------------------------------------
#
# What makes an approval due is a lapsed document of its holder (the rule above) while it is
# in force. Between two runs that can change in these ways only, and an incremental run
# reads each of them since the watermark (the last run that left nothing behind):
#   - a document lapses with time: its expiry date falls since the watermark's day
#     (document_current_expiry_idx / document_replaced_expiry_idx lead with it);
#   - an approval comes into force (approved at the end of its notice, restored after a
#     renewal or a sanction: ``Approval.apply_transition`` stamps ``status_changed_at``;
#     approval_approved_changed_idx);
#   - the holder's documents change: an upload (which may be expired already, and
#     supersedes the current version: ``uploaded_at``, document_review_idx), or a verified
#     current version rejected, which leaves an older expired verified one in force
#     (``reviewed_at`` of the rejected, document_rejected_idx: not the audit log, which
#     grows with all history; no other review makes anything due, and replaced versions
#     are never reviewed: Document.apply_review);
#   - an organization starts offering a high-risk sport (its offering added, re-activated or
#     moved into such a category: ``Offering.updated_at``, which every writer saves);
#   - the catalogue: a type becomes required or active or for high-risk sports, a category
#     high-risk (a digest of those columns, kept with the watermark). A person's approval
#     names its categories when it is made (registry.services.approval_create): a new
#     approval comes into force after that.
# Anything else asks a full pass, which reads the whole history as every run used to: no
# watermark yet, the catalogue changed, a run for an earlier day than the watermark's, more
# touched approvals than TOUCHED_MAX, and at least every FULL_PASS_DAYS days whatever
# happened (a writer that some day forgets its stamp is caught within the week).
# A run that hits RECERT_SWEEP_BATCH, or where one approval failed, leaves the watermark
# where it was: the next run reads the same window again, and more.
WATERMARK_KIND = "suspend_expired"
FULL_PASS_DAYS = 7
# a document expired on the watermark's day - 1 was read by that run (expired_q): the days
# before it are read again, in case a run's ``today`` was not the calendar's
EXPIRY_MARGIN = datetime.timedelta(days=2)
# a write stamped before the watermark's run began but committed after it read: no
# transaction of the registry's runs for anywhere near an hour
WRITE_MARGIN = datetime.timedelta(hours=1)
TOUCHED_MAX = 20_000


@dataclasses.dataclass(frozen=True)
class SweepPass:
    """One run's reading: the whole history (``full``), or what changed since the
    watermark (expiry dates from ``since_day``, writes from ``since``)."""

    today: datetime.date
    started_at: datetime.datetime
    catalogue: str
    full: bool
    since_day: datetime.date | None = None
    since: datetime.datetime | None = None
    full_on: datetime.date | None = None  # the watermark's last full pass


def _catalogue() -> str:
    """A digest of what of the catalogue the rule reads: each document type's required,
    active and high-risk flags, each category's high-risk flag and parent."""
    types = list(DocumentType.objects.order_by("pk").values_list(
        "pk", "is_required", "is_active", "for_high_risk"))
    categories = list(ServiceCategory.objects.order_by("pk").values_list(
        "pk", "is_high_risk", "parent_id"))
    return hashlib.sha256(repr((types, categories)).encode()).hexdigest()


def sweep_pass(today: datetime.date) -> SweepPass:
    """How this run reads: incrementally from the watermark, or the whole history."""
    started_at, catalogue = timezone.now(), _catalogue()
    mark = SweepWatermark.objects.filter(kind=WATERMARK_KIND).first()
    full = (mark is None or mark.catalogue != catalogue or today < mark.day
            or not mark.full_on <= today < mark.full_on + datetime.timedelta(FULL_PASS_DAYS))
    if full:
        return SweepPass(today, started_at, catalogue, full=True)
    return SweepPass(today, started_at, catalogue, full=False,
                     since_day=mark.day - EXPIRY_MARGIN, since=mark.started_at - WRITE_MARGIN,
                     full_on=mark.full_on)


def _touched(run: SweepPass) -> list[int]:
    """The approvals in force that something besides time may have made due since the
    watermark (the list above); at most TOUCHED_MAX + 1."""
    approved = Approval.objects.filter(status=Approval.Status.APPROVED).order_by()
    # every state, so that document_review_idx (review_state, uploaded_at) serves the range
    uploaded = Document.objects.filter(review_state__in=Document.ReviewState.values,
                                       uploaded_at__gte=run.since)
    rejected = Document.objects.filter(review_state=Document.ReviewState.REJECTED,
                                       reviewed_at__gte=run.since)  # document_rejected_idx
    offered = Offering.objects.filter(high_risk_q("category"), is_active=True,
                                      updated_at__gte=run.since)
    parts = [approved.filter(status_changed_at__gte=run.since),
             approved.filter(organization_id__in=offered.values("organization_id"))]
    for holder in ("organization_id", "person_id"):
        for documents in (uploaded, rejected):
            parts.append(approved.filter(**{f"{holder}__in": documents.filter(
                **{f"{holder}__isnull": False}).values(holder)}))
    first, *others = (part.values_list("pk", flat=True) for part in parts)
    return list(first.union(*others)[: TOUCHED_MAX + 1])


def suspension_candidates(run: SweepPass) -> tuple[list[int], SweepPass]:
    """The approved approvals with something due on ``run.today`` (at most
    RECERT_SWEEP_BATCH, by pk): all of them on a full pass, else those whose due document
    lapsed since the watermark and those touched since (``_touched``). Returns them and the
    pass as it was read (a pass with too many touched approvals reads everything)."""
    # One semi-join per kind of holder, of document and of lapse, then UNION: an OR of the
    # subqueries cannot be planned as a join and ran for minutes over 3M documents (make
    # bench: sweep_seconds). The candidates are exactly the approvals with something due
    # (due_types): were others among them, a batch full of approvals with nothing due
    # would come back on every run, ahead of the ones that are due, and those would stay
    # approved (and searchable) for ever.
    approved = Approval.objects.filter(status=Approval.Status.APPROVED).order_by()
    scopes = [(approved, Q())]
    if not run.full:
        touched = _touched(run)
        if len(touched) > TOUCHED_MAX:
            run = dataclasses.replace(run, full=True, since_day=None, since=None)
        else:
            scopes = [(approved, Q(expires_on__gte=run.since_day))]
            if touched:
                scopes.append((approved.filter(pk__in=touched), Q()))
    branches = []
    for scope, lapsed_since in scopes:
        for holder, high_risk in HIGH_RISK_DUE.items():
            for lapsed in (_expired_required(run.today, holder),
                           _unverified_over_expired(run.today, holder)):
                lapsed = lapsed.filter(lapsed_since).order_by()
                branches.append(scope.filter(**{f"{holder}__in": lapsed.filter(
                    document_type__for_high_risk=False).values(holder)}))
                branches.append(scope.filter(high_risk, **{f"{holder}__in": lapsed.filter(
                    document_type__for_high_risk=True).values(holder)}))
    first, *others = (branch.values_list("pk", flat=True) for branch in branches)
    candidates = first.union(*others).order_by("pk")[: settings.RECERT_SWEEP_BATCH]
    return list(candidates), run


@transaction.atomic
def watermark_advance(run: SweepPass) -> None:
    """``run`` left nothing behind: the next run reads from it. A run for an earlier day
    (or one that began earlier) sets it back, and two runs at once leave the later writer's:
    either only widens the next run's reading."""
    SweepWatermark.objects.update_or_create(kind=WATERMARK_KIND, defaults={
        "day": run.today, "started_at": run.started_at,
        "full_on": run.today if run.full else run.full_on, "catalogue": run.catalogue})
