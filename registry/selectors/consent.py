"""Reads about a person's ties to schools and their consent to the record query."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import (
    Engagement,
    Person,
    RecordQueryConsent,
    RosterMember,
    School,
    SchoolInvitation,
)


def person_tied_to_school(person: Person, school: School) -> bool:
    """Whether ``person`` is tied to ``school``: they accepted its invitation in their own
    account, they are on the roster of an active engagement at the school, or they are on a
    current engagement at the school (engaged themself, or on the staff of the organization
    engaged)."""
    if SchoolInvitation.objects.filter(school=school, person=person,
                                       status=SchoolInvitation.Status.ACCEPTED).exists():
        return True
    if RosterMember.objects.filter(person=person, removed_at=None, engagement__school=school,
                                   accepted_at__isnull=False,
                                   engagement__status=Engagement.Status.ACTIVE).exists():
        return True
    engaged = Q(person=person)
    if person.organization_id:
        engaged |= Q(organization_id=person.organization_id)
    return Engagement.objects.filter(engaged, school=school,
                                     ends_on__gte=timezone.localdate()).exists()


def consent_in_force(person: Person, bureau, *,
                     purpose: str = RecordQueryConsent.Purpose.VETTING
                     ) -> RecordQueryConsent | None:
    """The person's own, not withdrawn consent to ``bureau``'s record query, or None."""
    return (RecordQueryConsent.objects
            .filter(person=person, bureau=bureau, purpose=purpose, withdrawn_at=None,
                    given_by_id=person.user_id)
            .exclude(given_by=None).order_by("-given_at").first()) if person.user_id else None


def person_of_user(user) -> Person | None:
    """The person record of ``user``'s own account, if any."""
    if not (user and user.is_authenticated):
        return None
    return Person.objects.filter(user=user).first()


def invitations_for_person(person: Person) -> QuerySet:
    """The invitations that reached ``person`` (never one that matched nobody)."""
    return SchoolInvitation.objects.filter(person=person).select_related("school")


def invitations_of_schools(school_ids) -> QuerySet:
    """Every invitation ``school_ids`` sent, whether or not it reached a registered person:
    until the person answers, one reads the same either way (show ``invited_name`` and
    ``masked_id_number``; ``person`` only when ``answered_by_person``)."""
    return (SchoolInvitation.objects.filter(school_id__in=list(school_ids))
            .select_related("school", "person"))


def consents_of(person: Person) -> QuerySet:
    return RecordQueryConsent.objects.filter(person=person).select_related("bureau")
