"""Reads for telling a person of their record hit: whom the registry can tell (the person's
own account, those acting for them, else their organization's, asked to invite them) and,
when nobody with an account can be told, the hits the bureau must tell in writing (书面告知,
see ``registry.services.record_hit_notice``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from registry.models import AuditAction, AuditEvent, BlacklistProposal, Bureau, Person
from registry.selectors.sanctions import users_acting_for_each

_OPEN = (BlacklistProposal.Status.PROPOSED, BlacklistProposal.Status.CONFIRMED)


@dataclass(frozen=True)
class RecordHitReach:
    """Who can be told electronically of a record hit about a person. ``own``: the person's
    own active account and the active accounts acting for them as that person, who read the
    news and may ask for the re-check (复查). Only when there is none, ``inviters``: their
    organization's active administrator (``by_administrator``), who sends invitations, else
    the active accounts acting for the organization, asked to invite the person to claim
    their record. Nobody of either: the bureau tells the person in writing."""

    own: list = field(default_factory=list)
    inviters: list = field(default_factory=list)
    by_administrator: bool = False

    @property
    def in_writing(self) -> bool:
        return not self.own and not self.inviters


def record_hit_reach(people) -> dict[int, RecordHitReach]:
    """:class:`RecordHitReach` of each of ``people`` (loaded with ``user`` and
    ``organization__administrator``, or the queries to load them are made), by person id:
    the one rule of who is told of a record hit, for the hit being recorded and for the
    bureau's list of those to tell in writing. Two queries, and two more for the
    organizations' actors when some person has no reader of their own and an organization
    with no active administrator (and the content types', until they are cached)."""
    people = list(people)
    acting = users_acting_for_each("person", "act_for_person", [p.pk for p in people])
    own = {}
    for person in people:
        users = list(acting.get(person.pk, []))
        if person.user_id and person.user.is_active and person.user not in users:
            users.append(person.user)
        own[person.pk] = users
    unadministered = {
        p.organization_id for p in people
        if not own[p.pk] and p.organization_id and not _active(p.organization.administrator)}
    org_actors = users_acting_for_each("organization", "act_for_organization", unadministered)
    reach = {}
    for person in people:
        if own[person.pk] or not person.organization_id:
            reach[person.pk] = RecordHitReach(own=own[person.pk])
        elif _active(person.organization.administrator):
            reach[person.pk] = RecordHitReach(inviters=[person.organization.administrator],
                                              by_administrator=True)
        else:
            reach[person.pk] = RecordHitReach(
                inviters=org_actors.get(person.organization_id, []))
    return reach


def person_record_hit_reach(person: Person) -> RecordHitReach:
    """:func:`record_hit_reach` of one person."""
    person = (Person.objects.select_related("user", "organization__administrator")
              .get(pk=person.pk))
    return record_hit_reach([person])[person.pk]


def _active(user) -> bool:
    return user is not None and user.is_active


def may_tell_record_hit(user, proposal: BlacklistProposal) -> bool:
    """Whether ``user`` may print the written notice of this record hit and record that its
    person was told: an administrator of the bureau that recorded it (they handle the hit
    on the blacklist proposals page), whoever recorded or decided it."""
    return (user is not None and user.is_authenticated
            and proposal.kind == BlacklistProposal.Kind.RECORD_HIT
            and proposal.person_id is not None
            and user.has_perm("registry.administer_bureau", proposal.bureau))


# the cheap half of "nobody with an account can be told", asked in SQL so that the bound
# below is spent on the hits that may need a letter: no active own account, and no
# organization or none with an active administrator (the rest: :func:`record_hit_reach`)
_NO_OWN_ACCOUNT = Q(person__user__isnull=True) | Q(person__user__is_active=False)
_NO_ADMINISTRATOR = (Q(person__organization__isnull=True)
                     | Q(person__organization__administrator__isnull=True)
                     | Q(person__organization__administrator__is_active=False))


def record_hits_to_tell_in_writing(bureau: Bureau) -> list[BlacklistProposal]:
    """The record hits of ``bureau`` still pending or in force whose person nobody with an
    account can be told of (:func:`record_hit_reach`): the bureau must tell them in
    writing. Each carries ``tellings``, the audit events that recorded they were told
    (latest first). At most six queries, however many hits (and the content types')."""
    hits = list(BlacklistProposal.objects.filter(
        _NO_OWN_ACCOUNT, _NO_ADMINISTRATOR, bureau=bureau,
        kind=BlacklistProposal.Kind.RECORD_HIT, status__in=_OPEN)
        .select_related("person__user", "person__organization__administrator")
        .order_by("proposed_at", "pk")[:200])
    reach = record_hit_reach({hit.person_id: hit.person for hit in hits}.values())
    hits = [hit for hit in hits if reach[hit.person_id].in_writing]
    if not hits:
        return hits
    events = (AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(BlacklistProposal),
        target_id__in=[str(hit.pk) for hit in hits],
        action=AuditAction.BLACKLIST_RECORD_HIT_TOLD)
        .select_related("actor").order_by("-created_at", "-pk"))
    by_hit: dict[str, list] = {}
    for event in events:
        by_hit.setdefault(event.target_id, []).append(event)
    for hit in hits:
        hit.tellings = by_hit.get(str(hit.pk), [])
    return hits
