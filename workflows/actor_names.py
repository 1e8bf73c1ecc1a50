"""Reads: how a case's history and task lists name the people who acted.

An account's username or e-mail address is an account detail, never something to show
another party: the case's bureau staff read a person's full name (and the party they act
for), anyone else reads the party in its role (the school's, the organization's, the
bureau's name)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext, pgettext
from guardian.models import UserObjectPermission

from registry.formatting import user_label
from registry.models import Bureau, Organization, PartnerDepartment, Person, School

BUREAU_CODENAMES = ("clerk_bureau", "expert_bureau", "approve_bureau", "administer_bureau")
# the object permission a role acts through → the model of what it acts for
PARTY_CODENAMES = {"act_for_organization": Organization, "act_for_person": Person,
                   "act_for_school": School, "opine_department": PartnerDepartment,
                   **dict.fromkeys(BUREAU_CODENAMES, Bureau)}


def _name(obj) -> str:
    return getattr(obj, "display_name", None) or obj.name


def _holdings(actor_ids) -> dict[int, list[tuple[type, int]]]:
    """What each actor acts for: (model, pk) pairs from their object permissions and the
    people they are (two queries)."""
    held = defaultdict(list)
    rows = UserObjectPermission.objects.filter(
        user_id__in=actor_ids, permission__codename__in=list(PARTY_CODENAMES),
    ).values_list("user_id", "permission__codename", "object_pk")
    for user_id, codename, object_pk in rows:
        held[user_id].append((PARTY_CODENAMES[codename], int(object_pk)))
    for user_id, person_id in Person.objects.filter(user_id__in=actor_ids).values_list(
            "user_id", "pk"):
        held[user_id].append((Person, person_id))
    return held


def _case_parties(case) -> list[tuple[type, int]]:
    """The parties of ``case`` (or of its approval) in the order an actor acting for several
    is named by: its organization, its person (and the person's organization), the school
    that reported the incident."""
    parties = []
    approval = getattr(case, "approval", None)  # a re-certification's, an annual review's
    subject = approval or case
    if getattr(subject, "organization_id", None):
        parties.append((Organization, subject.organization_id))
    person = getattr(subject, "person", None)
    if person is not None:
        parties.append((Person, person.pk))
        if person.organization_id:
            parties.append((Organization, person.organization_id))
    incident = getattr(case, "incident", None)
    if incident is not None:
        parties.append((School, incident.engagement.school_id))
    return parties


def actors_named(viewer, case, events, *, staff: bool) -> None:
    """Set ``actor_repr`` of each of ``events`` (audit events of ``case``, with their actors)
    to what ``viewer`` may read: to the case's bureau staff (``staff``) the person's full
    name and the party they act for; to anyone else the party in its role (the bureau's
    name for its staff). Events the system recorded keep their own wording."""
    actors = {event.actor_id: event.actor for event in events if event.actor_id}
    if not actors:
        return
    held = _holdings(list(actors))
    case_parties = _case_parties(case)
    chosen = {}
    for actor_id, actor in actors.items():
        mine = held.get(actor_id, [])
        if actor.is_superuser or (Bureau, case.bureau_id) in mine:
            chosen[actor_id] = (Bureau, case.bureau_id)
            continue
        # the case's own parties first, then whatever else the actor acts for
        ordered = [p for p in case_parties if p in mine] + sorted(
            mine, key=lambda p: list(PARTY_CODENAMES.values()).index(p[0]))
        chosen[actor_id] = ordered[0] if ordered else None
    wanted = defaultdict(set)
    for party in chosen.values():
        if party is not None:
            wanted[party[0]].add(party[1])
    names = {(model, pk): _name(obj) for model, pks in wanted.items()
             for pk, obj in model.objects.in_bulk(pks).items()}
    labels = {}
    for actor_id, actor in actors.items():
        party = chosen[actor_id]
        party_name = names.get(party, "") if party else ""
        if staff:
            person = user_label(actor)
            labels[actor_id] = person if party in (None, (Bureau, case.bureau_id)) \
                else pgettext("actor and party", "%(person)s (%(party)s)") % {
                    "person": person, "party": party_name}
        else:
            labels[actor_id] = party_name or gettext("Another user")
    for event in events:
        if event.actor_id:
            event.actor_repr = labels[event.actor_id]
