"""Reads, and the one rule deciding whether a subject's documents are in order."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from documents import permissions
from documents.models import Document, DocumentType, PersonalDataAccess, teaches_high_risk
from registry.expiry import expired_on
from registry.models import Bureau, Jurisdiction, Offering, Organization, Person
from registry.models.subjects import subject_kwargs

OK_STATES = frozenset({"verified"})


def document_types_for(subject: Organization | Person, *,
                       offerings: list[Offering] | None = None) -> list[DocumentType]:
    """The active catalogue entries that apply to ``subject``, in catalogue order. An
    organization's active offerings decide two of them: a type that is one per offering (a
    course plan) applies once it has one, and the high-risk sports licence if one is in a
    high-risk category. They are read from ``offerings`` (its active offerings, with their
    categories: ``active_offerings_of``) when given, else asked once (one query more)."""
    kind = (DocumentType.Subject.ORGANIZATION if isinstance(subject, Organization)
            else DocumentType.Subject.PERSON)
    types = list(DocumentType.objects.active().filter(subject=kind))
    if not isinstance(subject, Organization):
        return [t for t in types if t.applies_to(subject)]
    if offerings is None and any(t.for_high_risk or t.per_offering for t in types):
        offerings = active_offerings_of(subject)
    high_risk = any(o.category.high_risk for o in offerings or ())
    return [t for t in types if t.applies_to(subject, high_risk=high_risk)
            and (offerings or not t.per_offering)]


def active_offerings_of(organization: Organization) -> list[Offering]:
    """An organization's active offerings with their categories (and parents): what its
    checklist asks about (course plans, high-risk sports). One query."""
    return list(Offering.objects.filter(organization=organization, is_active=True)
                .select_related("category__parent").order_by("pk"))


def documents_of(subject: Organization | Person, *, history: bool = True) -> QuerySet:
    """A subject's documents, current ones first; with ``history``, superseded ones too."""
    queryset = Document.objects.filter(**subject_kwargs(subject)).select_related(
        "document_type", "uploaded_by", "reviewed_by", "organization", "person", "offering"
    )
    if not history:
        queryset = queryset.filter(superseded_at__isnull=True)
    return queryset.order_by("document_type__sort_order", "document_type__code",
                             "-uploaded_at", "-pk")


def documents_awaiting_review(user) -> QuerySet:
    """Current documents pending review that a bureau clerk ``user`` may review, oldest first."""
    return (
        Document.objects.filter(permissions.subjects_reached_q(user),
                                superseded_at__isnull=True,
                                review_state=Document.ReviewState.PENDING)
        .select_related("document_type", "organization", "person", "uploaded_by")
        .order_by("uploaded_at", "pk")
    )


@dataclasses.dataclass(frozen=True)
class ChecklistItem:
    """One document type of a subject. ``document`` is the current version and
    ``state`` describes it. ``in_force`` is the version that satisfies the
    requirement: the current one when verified, or, while a renewal uploaded
    early waits for review (or was rejected), the earlier verified version as long
    as it stays valid through the look-ahead; ``expires_on`` is that version's."""

    document_type: DocumentType
    state: str  # verified, pending, rejected, missing, expiring, expired, stale
    document: Document | None
    expires_on: datetime.date | None
    required: bool = True
    in_force: Document | None = None
    offering: Offering | None = None  # for a type that is one per offering (a course plan)

    @property
    def is_ok(self) -> bool:
        return self.state in OK_STATES or self.in_force is not None

    @property
    def name(self) -> str:
        """The type's name, with the offering's title for a per-offering item."""
        if self.offering is None:
            return self.document_type.display_name
        return f"{self.document_type.display_name}（{self.offering.title}）"

    @property
    def message(self) -> str:
        """What a person should be told about this item, in the active language."""
        name = self.name
        messages = {
            "verified": _("%(name)s is verified."),
            "pending": _("%(name)s is waiting for review."),
            "rejected": _("%(name)s was rejected: %(reason)s"),
            "missing": _("%(name)s is missing."),
            "expiring": _("%(name)s expires on %(date)s; upload a renewed one."),
            "expired": _("%(name)s expired on %(date)s."),
            "stale": _("%(name)s must have been issued at most %(days)s days before the "
                       "application; upload a recent one."),
        }
        return str(messages[self.state]) % {
            "name": name,
            "reason": self.document.rejection_reason if self.document else "",
            "days": self.document_type.max_age_days,
            # the reader's date format, like the dates of the pages around the message
            "date": formats.date_format(self.expires_on, "DATE_FORMAT")
            if self.expires_on else "",
        }


@dataclasses.dataclass(frozen=True)
class Checklist:
    subject: Organization | Person
    on: datetime.date
    within_days: int
    items: list[ChecklistItem]

    @property
    def required_items(self) -> list[ChecklistItem]:
        return [item for item in self.items if item.required]

    @property
    def is_complete(self) -> bool:
        """Every required type has a current, verified document, not expired and not
        expiring within ``within_days``."""
        return all(item.is_ok for item in self.required_items)

    @property
    def missing(self) -> list[ChecklistItem]:
        return [item for item in self.required_items if item.state == "missing"]

    @property
    def problems(self) -> list[ChecklistItem]:
        """Required items that are not in order; each has a translated ``message``."""
        return [item for item in self.required_items if not item.is_ok]

    @property
    def blocking(self) -> list[ChecklistItem]:
        """The problems that make the subject's documents incomplete today: all but those
        still valid that only expire within the look-ahead."""
        return [item for item in self.problems if item.state != "expiring"]

    @property
    def renewals_due(self) -> list[ChecklistItem]:
        """Required documents valid today that expire within the look-ahead."""
        return [item for item in self.problems if item.state == "expiring"]

    @property
    def earliest_expiry(self) -> datetime.date | None:
        """The earliest expiry among the required documents in force (approvals stop there)."""
        dates = [item.expires_on for item in self.required_items
                 if item.document is not None and item.expires_on is not None]
        return min(dates, default=None)


def earliest_expiring_document(subject: Organization | Person
                               ) -> tuple[datetime.date, str] | None:
    """The earliest expiry among ``subject``'s required documents in force, with the
    document's name: how far an approval of ``subject`` may run (a renewal included)."""
    dated = [item for item in requirement_checklist(subject).required_items
             if item.document is not None and item.expires_on is not None]
    if not dated:
        return None
    first = min(dated, key=lambda item: item.expires_on)
    return first.expires_on, str(first.document_type.display_name)


def consent_forms_signed(person_ids) -> dict[int, datetime.date]:
    """The day each of ``person_ids`` signed their current consent form to the record query
    (知情同意书; ``issued_on``), where a clerk verified it: their consent to a yearly
    re-query when they have no account to give it in (registry.services.requery_consents,
    which asks it through its hook). One query."""
    return dict(Document.objects.filter(
        person_id__in=list(person_ids), document_type__code="query_consent",
        superseded_at=None, review_state=Document.ReviewState.VERIFIED,
        issued_on__isnull=False).values_list("person_id", "issued_on"))


def _state(document: Document | None, on: datetime.date, horizon: datetime.date) -> str:
    if document is None:
        return "missing"
    if document.review_state == Document.ReviewState.REJECTED:
        return "rejected"
    if expired_on(document.expires_on, on):
        return "expired"
    if document.review_state == Document.ReviewState.PENDING:
        return "pending"
    if expired_on(document.expires_on, horizon):  # no longer in force at the horizon
        return "expiring"
    return "verified"


def renewal_look_ahead() -> int:
    """How far ahead the documents page marks a document due for renewal: as far as the
    calendar's first reminder (RECERT_REMINDER_DAYS), and the reminder's day with it (a
    document expiring in 60 days is valid on the 60th). A reminder leads to this page: it
    must name the document the reminder is about, not call everything in order."""
    return max((int(days) for days in settings.RECERT_REMINDER_DAYS), default=30) + 1


def requirement_checklist(
    subject: Organization | Person,
    *,
    on: datetime.date | None = None,
    within_days: int = 0,
    submission: bool = False,
    categories=None,
) -> Checklist:
    """The state of each applicable document type for ``subject`` on day ``on`` (today).

    This is the single rule for "are this provider's documents in order": the
    workflows and the reminders ask it, nothing else re-implements it. A document
    is valid through its expiry date; it is *expiring* when it will no longer be
    valid on day ``on + within_days``. The current version of each type decides,
    except that a renewal uploaded early does not undo a verified earlier version
    while that one stays valid (see ChecklistItem). Two queries, whatever the
    number of types (three for an organization: its active offerings, for the course plan
    of each and the high-risk sports licence). With ``submission`` (an application being
    submitted), a type with a ``max_age_days`` also needs its current version issued within
    that many days (a credit report not older than 30 days), else it is *stale*.

    A person's type for high-risk sports (the qualification to teach swimming) is required
    when the person holds an open approval naming a high-risk category (one query more), or,
    with ``categories`` (what an approver is about to approve), when one of those is
    high-risk; otherwise it is listed as optional.
    """
    on = on or timezone.localdate()
    horizon = on + datetime.timedelta(days=within_days)
    # an organization's offerings decide two things: a type that is one per offering has
    # an item per active offering, and the high-risk licence applies if one is high-risk
    offerings = active_offerings_of(subject) if isinstance(subject, Organization) else []
    types = document_types_for(subject, offerings=offerings)
    # organizations: a type for high-risk sports is in ``types`` only when it is required
    high_risk = True
    if isinstance(subject, Person) and any(t.for_high_risk for t in types):
        high_risk = (any(c.high_risk for c in categories) if categories is not None
                     else teaches_high_risk(subject))
    current: dict[tuple, Document] = {}
    verified_before: dict[tuple, Document] = {}  # newest verified superseded version, by item
    for doc in (Document.objects.filter(
            Q(superseded_at__isnull=True) | Q(review_state=Document.ReviewState.VERIFIED),
            **subject_kwargs(subject)).order_by("-uploaded_at", "-pk")):
        key = (doc.document_type_id, doc.offering_id)
        if doc.superseded_at is None:
            current[key] = doc
        else:
            verified_before.setdefault(key, doc)
    items = []
    for kind in types:
        for offering in (offerings if kind.per_offering else [None]):
            key = (kind.pk, offering.pk if offering else None)
            document = current.get(key)
            state = _state(document, on, horizon)
            if (submission and kind.max_age_days and document is not None
                    and document.issued_on < on - datetime.timedelta(days=kind.max_age_days)):
                state = "stale"
            in_force = document if state == "verified" else None
            earlier = verified_before.get(key)
            if state in {"pending", "rejected"} and earlier is not None and (
                    not expired_on(earlier.expires_on, horizon)):
                in_force = earlier
            expires_on = (in_force or document).expires_on if (in_force or document) else None
            items.append(ChecklistItem(
                document_type=kind, state=state, document=document, expires_on=expires_on,
                required=kind.required_of(high_risk=high_risk), in_force=in_force,
                offering=offering,
            ))
    return Checklist(subject=subject, on=on, within_days=within_days, items=items)


def personal_data_accesses_of_person(person) -> QuerySet:
    """The bureaus' reads of ``person``'s sensitive data, for the person: which bureau, when,
    what (their own reads and their employer's are not listed)."""
    return (PersonalDataAccess.objects.filter(person=person).exclude(bureau=None)
            .select_related("bureau", "document__document_type"))


def personal_data_accesses_for_admin(user) -> QuerySet:
    """The access log a bureau administrator reads: reads by the bureaus in the
    jurisdictions they administer (their own and those below)."""
    from guardian.shortcuts import get_objects_for_user

    if not (user.is_authenticated and user.is_active):
        return PersonalDataAccess.objects.none()
    held = list(get_objects_for_user(user, "registry.administer_bureau", klass=Bureau,
                                     accept_global_perms=False, with_superuser=False)
                .values_list("jurisdiction_id", flat=True))
    if not held:
        return PersonalDataAccess.objects.none()
    subtree = Q(pk__in=[])
    for jurisdiction_id in held:
        subtree |= Jurisdiction.subtree_q(jurisdiction_id, prefix="bureau__jurisdiction__")
    return (PersonalDataAccess.objects.filter(subtree)
            .select_related("bureau", "actor", "person", "document__document_type"))
