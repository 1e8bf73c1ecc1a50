"""Reads about a person's ties to schools and their consent to the record query."""

from __future__ import annotations

from django.db.models import Case, QuerySet, When
from django.utils import timezone

from registry.models import (
    Engagement,
    Person,
    PersonalDataConsent,
    RecordQueryConsent,
    RosterMember,
    School,
    SchoolInvitation,
)
from registry.roles import Role
from registry.selectors.core import objects_for_role


def people_tied_to_schools(school_ids) -> QuerySet:
    """The people tied to any of ``school_ids`` (see :func:`person_tied_to_school`), as a
    queryset: one subquery, the UNION of the ties' person ids, each found by its index (an
    OR of ``IN`` subqueries made PostgreSQL scan the people)."""
    invited = (SchoolInvitation.objects.filter(school_id__in=school_ids,
                                               status=SchoolInvitation.Status.ACCEPTED)
               .order_by().values("person_id"))
    rostered = (RosterMember.objects.filter(removed_at=None, engagement__school_id__in=school_ids,
                                            accepted_at__isnull=False,
                                            engagement__status=Engagement.Status.ACTIVE)
                .order_by().values("person_id"))
    current = Engagement.objects.filter(school_id__in=school_ids,
                                        ends_on__gte=timezone.localdate()).order_by()
    engaged = current.exclude(person_id=None).values("person_id")
    staff = (Person.objects.filter(organization_id__in=current.exclude(organization_id=None)
                                   .values("organization_id")).order_by().values("pk"))
    return Person.objects.filter(pk__in=invited.union(rostered, engaged, staff))


def person_tied_to_school(person: Person, school: School) -> bool:
    """Whether ``person`` is tied to ``school``: they accepted its invitation in their own
    account, they are on the roster of an active engagement at the school, or they are on a
    current engagement at the school (engaged themself, or on the staff of the organization
    engaged)."""
    return people_tied_to_schools([school.pk]).filter(pk=person.pk).exists()


def people_acted_for(user) -> QuerySet:
    """The people ``user`` acts for: their own record, those they act for as that person,
    and the staff of the organizations they act for (one UNION of ids, as above)."""
    if not (user and user.is_authenticated):
        return Person.objects.none()
    own = Person.objects.filter(user=user).order_by().values("pk")
    as_person = objects_for_role(user, Role.PROVIDER, "registry.person").order_by().values("pk")
    organizations = objects_for_role(user, Role.PROVIDER, "registry.organization")
    staff = (Person.objects.filter(organization__in=organizations.values("pk"))
             .order_by().values("pk"))
    return Person.objects.filter(pk__in=own.union(as_person, staff))


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


def data_consent_in_force(person: Person) -> PersonalDataConsent | None:
    """The person's separate consent to holding their ID number that is in force: their own
    newest not withdrawn, else their organization's newest attestation not withdrawn; None
    when none is (never given, or withdrawn). The one reading of "in force" that the
    privacy page, the API, the holds and the services share."""
    return (PersonalDataConsent.objects.filter(person=person).in_force()
            .select_related("organization")
            .order_by(Case(When(kind=PersonalDataConsent.Kind.SELF, then=0), default=1),
                      "-given_at", "-pk").first())


def people_data_consent_withdrawn(person_ids) -> set[int]:
    """Those of ``person_ids`` who withdrew their separate consent and have not given it
    again: a consent on record, none in force. A person registered before it was asked has
    none on record and is not "withdrawn". One query, however many people."""
    on_record = PersonalDataConsent.objects.filter(person_id__in=list(person_ids))
    return set(on_record.exclude(person_id__in=on_record.in_force().values("person_id"))
               .values_list("person_id", flat=True).distinct())


def data_consent_withdrawn(person: Person) -> bool:
    """Whether ``person`` withdrew their separate consent and has not given it again
    (:func:`people_data_consent_withdrawn`)."""
    return person.pk in people_data_consent_withdrawn([person.pk])


def data_consent_of(person: Person) -> PersonalDataConsent | None:
    """The person's own newest separate consent to holding their ID number (in force or
    withdrawn: see ``in_force``), or None (registered before it was asked, or by their
    organization)."""
    return (PersonalDataConsent.objects
            .filter(person=person, kind=PersonalDataConsent.Kind.SELF)
            .order_by("-given_at", "-pk").first())


def data_consent_attestation_of(person: Person) -> PersonalDataConsent | None:
    """The newest attestation, by an organization that added the person to its staff, that
    it holds their signed separate consent form; or None."""
    return (PersonalDataConsent.objects
            .filter(person=person, kind=PersonalDataConsent.Kind.ATTESTED)
            .select_related("organization").order_by("-given_at", "-pk").first())
