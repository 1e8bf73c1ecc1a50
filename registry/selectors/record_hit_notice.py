"""Reads for the written notice (书面告知) of a record hit to a person the registry cannot
reach (see ``registry.services.record_hit_notice``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from registry.models import AuditAction, AuditEvent, BlacklistProposal, Bureau
from registry.selectors.sanctions import users_acting_for_each

_OPEN = (BlacklistProposal.Status.PROPOSED, BlacklistProposal.Status.CONFIRMED)


def may_tell_record_hit(user, proposal: BlacklistProposal) -> bool:
    """Whether ``user`` may print the written notice of this record hit and record that its
    person was told: an administrator of the bureau that recorded it (they handle the hit
    on the blacklist proposals page), whoever recorded or decided it."""
    return (user is not None and user.is_authenticated
            and proposal.kind == BlacklistProposal.Kind.RECORD_HIT
            and proposal.person_id is not None
            and user.has_perm("registry.administer_bureau", proposal.bureau))


def record_hits_to_tell_in_writing(bureau: Bureau) -> list[BlacklistProposal]:
    """The record hits of ``bureau`` still pending or in force whose person has no account,
    nobody acting for them and no organization: the bureau must tell them in writing. Each
    carries ``tellings``, the audit events that recorded they were told (latest first).
    Four queries, however many hits."""
    hits = list(BlacklistProposal.objects.filter(
        bureau=bureau, kind=BlacklistProposal.Kind.RECORD_HIT, status__in=_OPEN,
        person__user__isnull=True, person__organization__isnull=True)
        .select_related("person").order_by("proposed_at", "pk")[:200])
    acted_for = users_acting_for_each("person", "act_for_person", {h.person_id for h in hits})
    hits = [hit for hit in hits if hit.person_id not in acted_for]
    if not hits:
        return hits
    events = (AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(BlacklistProposal),
        target_id__in=[str(hit.pk) for hit in hits],
        action=AuditAction.BLACKLIST_RECORD_HIT_TOLD)
        .order_by("-created_at", "-pk"))
    by_hit: dict[str, list] = {}
    for event in events:
        by_hit.setdefault(event.target_id, []).append(event)
    for hit in hits:
        hit.tellings = by_hit.get(str(hit.pk), [])
    return hits
