"""Reads of engagements as contracts: rosters, entry permits and their live standing,
the school's gate list, lessons and settlements, the term plan, and the parents' page."""

from __future__ import annotations

import datetime
import weakref
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import signing
from registry.models import (
    Approval,
    Engagement,
    Lesson,
    PermitPhoto,
    Person,
    RosterMember,
    School,
    SchoolTerm,
    TermNeed,
    TermSlot,
)
from registry.roles import Role
from registry.selectors.core import objects_for_role
from registry.selectors.permit_standing import (
    PermitStatus,
    member_row,
    person_lapsed,
    standing_reason,
)
from registry.selectors.permit_standing import standing as _standing
from registry.validators import mask_id_number, normalize_id_number

# how many people one engagement's roster may name at once (a form's textarea, a list)
ROSTER_MAX = 50


def _provider_name(engagement: Engagement) -> str:
    return engagement.organization.name if engagement.organization_id else engagement.person.name


def provider_engagement_ids(user) -> list[QuerySet]:
    """The ids of the engagements of the organizations ``user`` acts for, and of ``user``
    as an individual: three queries of ids, each found by an index, for a ``UNION``.

    Asked as one filter of the engagements, ``organization IN (…) OR person IN (…) OR
    person.user = …`` made PostgreSQL read every engagement (a sequential scan: the
    conditions are on different relations); so does one ``pk IN (UNION)`` under the
    seven-table ``select_related`` of a page (likely past join_collapse_limit): 127 ms at
    41k engagements, 0.4 ms with the ids read first (EXPLAIN ANALYZE)."""
    organizations = objects_for_role(user, Role.PROVIDER, "registry.organization")
    people = objects_for_role(user, Role.PROVIDER, "registry.person")
    engaged = Engagement.objects.order_by().values_list("pk", flat=True)
    return [engaged.filter(organization__in=organizations.values("pk")),
            engaged.filter(person__in=people.values("pk")), engaged.filter(person__user=user)]


def engagements_for_provider_user(user) -> QuerySet:
    """Engagements of the organizations ``user`` acts for, or of ``user`` as an individual.
    Their ids are read first (one query, ``provider_engagement_ids``)."""
    first, *others = provider_engagement_ids(user)
    ids = list(first.union(*others))
    return (Engagement.objects
            .filter(pk__in=ids)
            .select_related("school__county", "term", "organization", "offering", "person",
                            "approval__jurisdiction", "evaluation")
            .prefetch_related(Prefetch("roster", queryset=RosterMember.objects.filter(
                removed_at=None, accepted_at__isnull=False).order_by("pk")))
            .order_by("-starts_on", "-pk"))


def roster_of(engagement: Engagement, *, proposals: bool = False) -> QuerySet:
    """The people on the engagement's roster (taken-off ones excluded); with
    ``proposals``, also the provider's proposals the school has not accepted yet."""
    rows = RosterMember.objects.filter(engagement=engagement, removed_at=None)
    if not proposals:
        rows = rows.filter(accepted_at__isnull=False)
    return rows.select_related("person", "approval").order_by("pk")


NOT_APPROVED = _("Person no. %(number)s holds no valid individual approval for this "
                 "school's county, city or province.")


def person_by_reference(reference: str | int) -> Person:
    """A person named by their number (as the API gives it) or their resident ID number
    (as a school types it), carrying what was typed (masked) as ``typed``. Unknown is
    refused in the words of one known but not approved here (``NOT_APPROVED``, which
    :func:`registry.services.roster_approval_for` says naming ``typed``): a school learns
    nothing of whom the registry holds by typing numbers."""
    text = str(reference).strip()
    typed = mask_id_number(text) if len(text) >= 12 else text
    found = None
    if text.isascii() and text.isdigit() and len(text) < 12:
        found = Person.objects.filter(pk=int(text)).first()
    elif text:
        found = Person.objects.filter(id_number=normalize_id_number(text)).first()
    if found is None:
        raise ValidationError({"roster": ValidationError(
            NOT_APPROVED, code="roster_not_approved", params={"number": typed})})
    found.typed = typed
    return found


def roster_people(value) -> list[Person]:
    """The people a roster names, however it was given: people, or references (person
    numbers or resident ID numbers) as a list (the API) or as text, one per line or
    separated by commas (the web form). Refused: more than ``ROSTER_MAX``, a name given
    twice. Anybody unknown comes back in its place as its refusal (a ``ValidationError``
    naming what was typed, masked), for the caller to say with the others'."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = [t.strip() for t in value.replace("，", ",").replace(",", "\n").splitlines()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValidationError({"roster": _("Name the roster as a list of person numbers or "
                                           "resident ID numbers.")}, code="roster_shape")
    items = [i for i in items if not (isinstance(i, str) and not i.strip())]
    if len(items) > ROSTER_MAX:
        raise ValidationError({"roster": ValidationError(
            _("A roster names at most %(max)d people; %(n)d were given."), code="roster_long",
            params={"max": ROSTER_MAX, "n": len(items)})})
    people, seen = [], set()
    for item in items:
        if isinstance(item, dict | list | tuple | bool | float):
            raise ValidationError({"roster": _("Name the roster as a list of person numbers "
                                               "or resident ID numbers.")},
                                  code="roster_shape")
        try:
            person = item if isinstance(item, Person) else person_by_reference(item)
        except ValidationError as unknown:
            # judged in its place with the others (``engagement_create``): refused here,
            # first, it would tell the school which of the numbers it typed are registered
            people.append(unknown)
            continue
        if person.pk in seen:
            raise ValidationError({"roster": ValidationError(
                _("%(name)s is named twice."), code="roster_duplicate",
                params={"name": person.name})})
        seen.add(person.pk)
        people.append(person)
    return people


def roster_candidates(engagement: Engagement) -> QuerySet:
    """The provider's own people it may propose for the roster: the organization's staff
    (or the individual engaged), not on the roster already."""
    people = (Person.objects.filter(organization_id=engagement.organization_id)
              if engagement.organization_id else
              Person.objects.filter(pk=engagement.person_id))
    on_roster = RosterMember.objects.filter(engagement=engagement, removed_at=None)
    return people.exclude(pk__in=on_roster.values("person_id")).order_by("name", "pk")


def lesson_teachers(engagement: Engagement, *, provider: bool) -> QuerySet:
    """Whom a lesson of ``engagement`` may name as its teacher: the people on its roster
    (proposals too), and for its ``provider`` also its own people (the refusals of those
    off the roster name them: the provider knows them). Anyone else is refused as a number
    nobody holds: named, another provider's person would be told by name."""
    people = Q(pk__in=roster_of(engagement, proposals=True).values("person_id"))
    if provider:
        people |= Q(pk__in=roster_candidates(engagement).values("pk"))
    return Person.objects.filter(people)


def permit_payload(member: RosterMember) -> dict:
    """What the signed token carries: the roster row, and what a gate shows offline.
    Never an ID number."""
    engagement = member.engagement
    return {
        "r": member.pk, "e": engagement.pk,
        "n": signing.mask_name(member.person.name),
        "p": _provider_name(engagement), "s": engagement.school.name,
        "t": engagement.term.name,
        "f": engagement.starts_on.isoformat(), "u": engagement.ends_on.isoformat(),
    }


def permit_token(member: RosterMember) -> str:
    """The entry permit's token (Ed25519 is deterministic: the same row, the same token)."""
    return signing.token_make(permit_payload(member))


def permits_allowed(engagement: Engagement) -> bool:
    """Whether the engagement's roster holds entry permits: only once the contract is in
    force (signed and activated), and while a suspension of it lasts (the gate then answers
    *suspended*). A suspension keeps the status it interrupted; a draft or a signed
    engagement suspended never let anyone in, so it never holds a permit."""
    status = engagement.status
    if status == Engagement.Status.SUSPENDED:
        status = engagement.status_before_suspension
    return status == Engagement.Status.ACTIVE


def permits_absent_reason(engagement: Engagement) -> str:
    """Why the engagement has no entry permit to print (its page and the PDF say so)."""
    if permits_allowed(engagement):
        return _("Nobody is on the roster: there is no entry permit to print.")
    status = engagement.status
    if status == Engagement.Status.SUSPENDED:
        return _("The engagement was suspended before it came into force (it was never "
                 "active): there is no entry permit. Permits exist only once both sides "
                 "have signed it and the school has activated it.")
    if status == Engagement.Status.DRAFT:
        return _("The engagement is still a draft: entry permits exist only once both sides "
                 "have signed it and the school has activated it.")
    if status == Engagement.Status.SIGNED:
        return _("The engagement is signed but not active yet: entry permits exist once "
                 "the school activates it.")
    return _("Entry permits exist only while the engagement is active.")


def permits_of(engagement: Engagement, *, base_url: str = "") -> list[dict]:
    """The entry permits of an active engagement's roster, each with its token and the
    verification address its QR code holds; none unless :func:`permits_allowed`. Each
    says what the gate's check would answer today (``status``, a :class:`PermitStatus`),
    why it lets nobody in (``reason``, words; empty when valid), and whether the person's
    own individual approval has lapsed (``lapsed``: no permit is printed for them).
    One query, whatever the roster."""
    if not permits_allowed(engagement):
        return []
    today = timezone.localdate()
    permits = []
    for member in roster_of(engagement).select_related(
            "engagement__school", "engagement__term", "engagement__organization",
            "engagement__person", "engagement__approval", "person__permit_photo"):
        token = permit_token(member)
        payload = permit_payload(member)
        photo = getattr(member.person, "permit_photo", None)
        row = member_row(member)
        status = _standing(row, today)
        permits.append({
            "member": member, "token": token,
            # printed on the permit only while the person's consent stands
            "photo": photo if photo is not None and photo.shown else None,
            "url": base_url + reverse("permit-verify", args=[token]),
            "masked_name": payload["n"], "provider": payload["p"], "school": payload["s"],
            "term": payload["t"], "starts_on": payload["f"], "ends_on": payload["u"],
            "status": status, "reason": standing_reason(row, status, today),
            "lapsed": person_lapsed(row, today),
        })
    return permits


# the permit's standing, and whether the gate may see the person's photo: one query, the
# roster row by primary key joined (by primary keys) to its engagement, both approvals and
# the person's photo row (unique on the person)
_STANDING = ("engagement_id", "removed_at", "engagement__status", "engagement__starts_on",
             "engagement__ends_on", "approval__status", "approval__valid_until",
             "engagement__approval__status", "engagement__approval__valid_until",
             "accepted_at")
_PHOTO = ("person__permit_photo__pk", "person__permit_photo__storage_key",
          "person__permit_photo__consent_given_at",
          "person__permit_photo__consent_withdrawn_at")
# statuses under which the gate sees the photo: it must recognise who stands there; a
# revoked or expired permit lets nobody in, and a face has no business being shown then
PHOTO_SHOWN_FOR = ("valid", "suspended")


# The same lookup as SQL written out, PREPAREd once per PostgreSQL session: the gate's check
# then costs one EXECUTE of a cached plan. Planning the five-table join each time (as the
# ORM's query, with its default ordering, makes it) costs more than running it: measured
# ~0.6 ms of planning for ~0.05 ms of execution. Columns in the order of _STANDING + _PHOTO.
_STANDING_SQL = """
SELECT rm.engagement_id, rm.removed_at, e.status, e.starts_on, e.ends_on,
       pa.status, pa.valid_until, ea.status, ea.valid_until, rm.accepted_at,
       ph.id, ph.storage_key, ph.consent_given_at, ph.consent_withdrawn_at
  FROM {roster} rm
  JOIN {engagement} e ON e.id = rm.engagement_id
  JOIN {approval} pa ON pa.id = rm.approval_id
  JOIN {approval} ea ON ea.id = e.approval_id
  LEFT JOIN {photo} ph ON ph.person_id = rm.person_id
 WHERE rm.id = $1"""
_STANDING_STATEMENT = "registry_permit_standing"
# the raw connections (sessions) the statement is prepared on; a reconnect is a new object
_prepared_on: weakref.WeakSet = weakref.WeakSet()


def _standing_row(roster_id: int) -> tuple | None:
    """The roster row's standing and photo columns (one indexed lookup), or None."""
    if connection.vendor != "postgresql":
        return (RosterMember.objects.filter(pk=roster_id).order_by()
                .values_list(*_STANDING, *_PHOTO).first())
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cursor:
        if raw not in _prepared_on:
            sql = _STANDING_SQL.format(
                roster=RosterMember._meta.db_table, engagement=Engagement._meta.db_table,
                approval=Approval._meta.db_table, photo=PermitPhoto._meta.db_table)
            # PREPARE lasts for the session whatever happens to the transaction around it
            cursor.execute(f"PREPARE {_STANDING_STATEMENT}(bigint) AS {sql}")
            _prepared_on.add(raw)
        cursor.execute(f"EXECUTE {_STANDING_STATEMENT}(%s)", [roster_id])
        return cursor.fetchone()


def permit_check(token: str) -> dict:
    """The live answer for a permit token. The signature is checked without the database;
    the standing is one lookup of the roster row by primary key (joined to its engagement,
    both approvals and the person's photo row). A permit dies the moment either approval is
    suspended, revoked or expires, or the engagement ends. ``photo`` (the photo row's id)
    only while the person's consent to show it stands and the permit is valid or
    suspended; never an ID number."""
    try:
        payload = signing.token_read(token)
        roster_id, engagement_id = int(payload["r"]), int(payload["e"])
    except (signing.BadToken, KeyError, TypeError, ValueError):
        return {"status": PermitStatus.INVALID}
    row = _standing_row(roster_id)
    if row is None or row[0] != engagement_id:
        return {"status": PermitStatus.INVALID}
    standing = _standing(row, timezone.localdate())
    photo_id, key, consent_at, withdrawn_at = row[10:]
    shown = (photo_id is not None and bool(key) and consent_at is not None
             and withdrawn_at is None and standing in PHOTO_SHOWN_FOR)
    return {"status": standing, "photo": photo_id if shown else None,
            "masked_name": payload.get("n", ""), "provider": payload.get("p", ""),
            "school": payload.get("s", ""), "term": payload.get("t", ""),
            "starts_on": payload.get("f", ""), "ends_on": payload.get("u", "")}


def permit_photo_for_token(token: str):
    """The photo row a gate may see for ``token`` (see :func:`permit_check`), or None."""
    photo_id = permit_check(token).get("photo")
    return None if photo_id is None else PermitPhoto.objects.filter(pk=photo_id).first()


def gate_list(school: School, day: datetime.date | None = None) -> list[dict]:
    """Who may come into ``school`` on ``day`` (today by default), in which slots: the
    roster of each engagement active that day, each with the permit's live standing."""
    day = day or timezone.localdate()
    rows = list(RosterMember.objects
                .filter(engagement__school=school, removed_at=None,
                        accepted_at__isnull=False,
                        engagement__status=Engagement.Status.ACTIVE,
                        engagement__starts_on__lte=day, engagement__ends_on__gte=day)
                .select_related("person", "engagement__organization", "engagement__person",
                                "engagement__offering", "approval", "engagement__approval")
                .order_by("engagement_id", "pk")[:500])
    slots: dict[int, list[int]] = {}
    needs = {r.engagement.need_id for r in rows if r.engagement.need_id}
    for slot in TermSlot.objects.filter(needs__in=needs, weekday=day.isoweekday()).values(
            "needs", "period"):
        slots.setdefault(slot["needs"], []).append(slot["period"])
    result = []
    for member in rows:
        engagement = member.engagement
        row = member_row(member)
        result.append({"member": member, "name": member.person.name,
                       "provider": _provider_name(engagement), "engagement": engagement,
                       "periods": sorted(slots.get(engagement.need_id, [])),
                       "status": _standing(row, day)})
    return result


def lessons_of(engagement: Engagement) -> QuerySet:
    return (Lesson.objects.filter(engagement=engagement)
            .select_related("teacher__person").order_by("taught_on", "period"))


def settlement_of(engagement: Engagement) -> dict:
    """One engagement's settlement (据实结算): confirmed lessons × the agreed fee."""
    lessons = list(lessons_of(engagement))
    confirmed = sum(1 for lesson in lessons if lesson.status == Lesson.Status.CONFIRMED)
    disputed = sum(1 for lesson in lessons if lesson.status == Lesson.Status.DISPUTED)
    return {"engagement": engagement, "lessons": lessons, "confirmed": confirmed,
            "disputed": disputed, "recorded": len(lessons) - confirmed - disputed,
            "amount": (engagement.fee_per_session * confirmed).quantize(Decimal("0.01"))}


class SettlementRow(NamedTuple):
    """One engagement's line of a settlement export: plain values, no model instances."""

    pk: int
    school: str
    term: str
    provider: str
    offering: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: str
    fee_per_session: Decimal
    free_places_used: int
    lessons: dict


_SETTLEMENT_VALUES = ("pk", "school__name", "term__name", "organization__name", "person__name",
                      "offering__title", "starts_on", "ends_on", "status", "fee_per_session",
                      "free_places_used")


def settlement_rows(engagements: QuerySet, chunk: int = 2000):
    """:class:`SettlementRow` for many engagements, in pk order, in bounded memory: each
    chunk of engagements is one query of plain values (keyset on the primary key), and its
    lesson counts one more (grouped by engagement and status on the lesson index), never a
    query per engagement and never a model instance per row."""
    rows = engagements.order_by("pk").values_list(*_SETTLEMENT_VALUES)
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:chunk])
        if not batch:
            return
        counts: dict[int, dict[str, int]] = {}
        for engagement_id, status, n in (
                Lesson.objects.filter(engagement_id__in=[r[0] for r in batch])
                .values_list("engagement_id", "status").annotate(n=Count("pk"))
                .order_by()):
            counts.setdefault(engagement_id, {})[status] = n
        for (pk, school, term, organization, person, offering, starts_on, ends_on, status,
             fee, free_places) in batch:
            yield SettlementRow(pk, school, term, organization or person or "", offering or "",
                                starts_on, ends_on, status, fee, free_places,
                                counts.get(pk, {}))
        last = batch[-1][0]


def term_plan(term: SchoolTerm) -> dict:
    """The term's slots and needs, each need with the engagements that fill it."""
    needs = (TermNeed.objects.filter(term=term).select_related("category__parent")
             .prefetch_related("slots", Prefetch(
                 "engagements", queryset=Engagement.objects.select_related(
                     "organization", "offering", "person"))))
    return {"term": term, "slots": list(TermSlot.objects.filter(term=term)),
            "needs": list(needs)}


def parents_page(school: School, day: datetime.date | None = None) -> dict:
    """What parents see: the active engagements of the school's terms running today (a
    school may run a semester and a shorter programme at once), who provides them (masked
    teacher names), the approval number, the fee. Nothing personal beyond masked names."""
    day = day or timezone.localdate()
    terms = list(SchoolTerm.objects.filter(school=school, starts_on__lte=day, ends_on__gte=day)
                 .order_by("starts_on", "pk")[:10])
    activities = []
    if terms:
        engagements = (Engagement.objects.filter(term__in=terms,
                                                 status=Engagement.Status.ACTIVE)
                       .select_related("term", "organization", "offering__category", "category",
                                       "person", "approval__jurisdiction__bureau")
                       .prefetch_related(Prefetch(
                           # only those who may teach today: the permit at the gate says
                           # the same of anyone whose approval is suspended, revoked or ended
                           "roster", queryset=RosterMember.objects.filter(
                               removed_at=None, accepted_at__isnull=False,
                               approval__in=Approval.objects.valid_on(day))
                           .select_related("person")))
                       .order_by("term__starts_on", "pk")[:100])
        for engagement in engagements:
            activities.append({
                "term": engagement.term,
                "title": engagement.offering.title if engagement.offering_id
                else str(engagement.taught_category or ""),
                "category": engagement.taught_category,
                "provider": _provider_name(engagement) if engagement.organization_id
                else signing.mask_name(engagement.person.name),
                "teachers": [signing.mask_name(m.person.name) for m in engagement.roster.all()],
                "approval": engagement.approval,
                "fee": engagement.fee_per_session,
                "starts_on": engagement.starts_on, "ends_on": engagement.ends_on,
            })
    return {"school": school, "terms": terms, "activities": activities}
