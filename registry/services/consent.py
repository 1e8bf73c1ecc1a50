"""A school's invitation to a person, and the person's own consent to the record query.

Both answers are the person's, given in their own account: a school or an organization
cannot accept an invitation or consent for them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry import notifications
from registry.models import (
    Approval,
    ApprovalHold,
    AuditAction,
    Bureau,
    Engagement,
    Organization,
    Person,
    PersonalDataConsent,
    RecordQueryConsent,
    RecordRequery,
    RosterMember,
    School,
    SchoolInvitation,
)
from registry.selectors.consent import data_consent_withdrawn, people_data_consent_withdrawn
from registry.selectors.sanctions import bureau_staff, users_acting_for
from registry.services.core import audit_record, person_register
from registry.services.holds import approval_suspend
from registry.services.sanction_reach import CONSENT, sanction_fan_out
from registry.validators import (
    id_number_digest,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)


def _require_own_account(actor, person: Person | None) -> None:
    # an invitation that matched nobody has nobody to answer it
    if (person is None or actor is None or not actor.is_authenticated
            or person.user_id != actor.pk):
        raise PermissionDenied(_("Only the person, signed in to their own account, may "
                                 "answer this."))


_LIVE = [SchoolInvitation.Status.PENDING, SchoolInvitation.Status.ACCEPTED]


@transaction.atomic
def school_invite(*, actor, school: School, id_number: str, name: str) -> SchoolInvitation:
    """Invite the person with this ID number and name to work with ``school``.

    The invitation is kept whether or not such a person is registered, with the name as
    typed, the number masked and a keyed digest of it (never the number itself): the school
    sees and may withdraw what it sent, and every one reads the same until the person
    answers. ``person`` is set (and they are told) only when a registered person with an
    account has this number and name and no live invitation from the school yet. The same
    number and name again while an invitation is live returns that one. A malformed ID
    number (length, format, check digit, birth date) is refused, under ``id_number``: that
    tells nothing about anyone.
    """
    if not actor.has_perm("registry.act_for_school", school):
        raise PermissionDenied(_("You do not act for this school."))
    try:
        validate_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.error_list}) from None
    number, name = normalize_id_number(id_number), (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the person's name.")})
    digest = id_number_digest(number)
    # two invitations at once would both find none: the school's row is the lock
    School.objects.select_for_update().only("pk").get(pk=school.pk)
    live = SchoolInvitation.objects.filter(school=school, id_number_digest=digest,
                                           invited_name=name, status__in=_LIVE).first()
    if live is not None:
        return live
    person = Person.objects.filter(id_number=number, name=name).exclude(user=None).first()
    if person is not None and SchoolInvitation.objects.filter(
            school=school, person=person, status__in=_LIVE).exists():
        person = None  # already invited (under the name they had then): never twice
    invitation = SchoolInvitation.objects.create(
        school=school, person=person, invited_name=name,
        masked_id_number=mask_id_number(number), id_number_digest=digest, invited_by=actor)
    audit_record(actor=actor, action="invitation.create", target=invitation,
                 to_state=invitation.status, data={"school": school.pk})
    if person is not None:
        notifications.notify(
            users=[person.user],
            subject=gettext("%(school)s invites you to work with it") % {"school": school.name},
            body=gettext("Accept or decline the invitation on your page."),
            url=reverse("registry:my-privacy"), about=school)
    return invitation


@transaction.atomic
def invitation_answer(*, actor, invitation: SchoolInvitation, accept: bool,
                      address: str | None = None) -> SchoolInvitation:
    """The person accepts or declines a school's invitation in their own account."""
    # of=self: the person is on the nullable side of an outer join (PostgreSQL locks no such)
    invitation = SchoolInvitation.objects.select_for_update(of=("self",)).select_related(
        "person").get(pk=invitation.pk)
    _require_own_account(actor, invitation.person)
    target = SchoolInvitation.Status.ACCEPTED if accept else SchoolInvitation.Status.DECLINED
    previous = invitation.apply_transition(target)
    invitation.answered_at, invitation.answered_from = timezone.now(), address or None
    invitation.save(update_fields=["status", "answered_at", "answered_from"])
    audit_record(actor=actor, action=f"invitation.{target}", target=invitation,
                 from_state=previous, to_state=target)
    return invitation


@transaction.atomic
def invitation_withdraw(*, actor, invitation: SchoolInvitation) -> SchoolInvitation:
    """The school or the person ends the tie (a vetting already started goes on). The
    school may withdraw one still waiting, whether or not it reached anyone; the person
    withdrawing one still waiting answers it."""
    invitation = SchoolInvitation.objects.select_for_update(of=("self",)).select_related(
        "person", "school").get(pk=invitation.pk)
    by_person = invitation.person is not None and invitation.person.user_id == actor.pk
    if not (by_person or actor.has_perm("registry.act_for_school", invitation.school)):
        raise PermissionDenied(_("You may not withdraw this invitation."))
    previous = invitation.apply_transition(SchoolInvitation.Status.WITHDRAWN)
    invitation.withdrawn_at = timezone.now()
    if by_person:
        invitation.answered_at = invitation.answered_at or invitation.withdrawn_at
    invitation.save(update_fields=["status", "answered_at", "withdrawn_at"])
    audit_record(actor=actor, action="invitation.withdrawn", target=invitation,
                 from_state=previous, to_state=invitation.status)
    return invitation


@transaction.atomic
def consent_give(*, actor, person: Person, bureau: Bureau,
                 purpose: str = RecordQueryConsent.Purpose.VETTING,
                 address: str | None = None) -> RecordQueryConsent:
    """The person consents, in their own account, to ``bureau``'s record query for
    ``purpose``; recorded with when and from which address."""
    _require_own_account(actor, person)
    if purpose not in RecordQueryConsent.Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    consent = RecordQueryConsent.objects.create(person=person, bureau=bureau, purpose=purpose,
                                                given_by=actor, given_from=address or None)
    audit_record(actor=actor, action="consent.give", target=consent, to_state="given",
                 data={"bureau": bureau.pk, "purpose": purpose})
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: RecordQueryConsent) -> RecordQueryConsent:
    """The person withdraws a consent: it no longer counts for a query not yet made."""
    consent = RecordQueryConsent.objects.select_for_update().select_related("person").get(
        pk=consent.pk)
    _require_own_account(actor, consent.person)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent is already withdrawn."), code="nothing_to_do")
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    audit_record(actor=actor, action="consent.withdraw", target=consent, from_state="given",
                 to_state="withdrawn")
    return consent


# --- separate consent to hold the ID number (单独同意) ----------------------------------------

@transaction.atomic
def personal_data_consent_give(*, actor, person: Person,
                               address: str | None = None) -> PersonalDataConsent:
    """The person gives, in their own account, their separate consent to the registry
    holding their ID number and phone (the text of ``PersonalDataConsent.VERSION``);
    recorded with when and from which address."""
    _require_own_account(actor, person)
    again = data_consent_withdrawn(person)
    consent = PersonalDataConsent.objects.create(
        person=person, version=PersonalDataConsent.VERSION, given_by=actor,
        given_from=address or None)
    audit_record(actor=actor, action=AuditAction.PERSON_DATA_CONSENT, target=consent,
                 to_state="given", data={"person": person.pk, "version": consent.version,
                                         "after_withdrawal": again})
    if again:  # the bureaus decide whether to resume what the withdrawal suspended
        held = Approval.objects.filter(person=person, status=Approval.Status.SUSPENDED,
                                       holds__cause=ApprovalHold.Cause.CONSENT,
                                       holds__lifted_at__isnull=True)
        _tell_bureaus(person, Bureau.objects.filter(jurisdiction__in=held.values(
            "jurisdiction")), subject=gettext(
            "%(person)s has given their separate consent again") % {"person": person.name},
            body=gettext("They may ask you to resume their approvals suspended when they "
                         "withdrew it: a reinstatement now lifts that hold. Nothing is "
                         "resumed until you decide."))
    return consent


@transaction.atomic
def personal_data_consent_withdraw(*, actor, person: Person,
                                   address: str | None = None) -> list[PersonalDataConsent]:
    """The person withdraws, in their own account, their separate consent to the registry
    holding their ID number and phone (PIPL art. 15): every row in force, their own and an
    organization's attestation, is marked withdrawn (when, by whom, from which address)
    and audited. In the same transaction the processing stops beyond storage (art. 47):
    their approvals in force or suspended are held for ``consent`` (out of search and
    off the gate's permits; nothing but their consent given again answers it), the
    engagements resting on them are suspended and their schools told, the schools with
    them on a roster told, and the bureaus concerned told (never the ID number). Nothing
    in force: refused (``nothing_to_do``), nothing written. Returns the rows withdrawn."""
    _require_own_account(actor, person)
    # the person's row is the lock: two withdrawals at once, the second finds nothing
    person = Person.objects.select_for_update().get(pk=person.pk)
    rows = list(PersonalDataConsent.objects.select_for_update().filter(person=person)
                .in_force().order_by("pk"))
    if not rows:
        raise ValidationError(PersonalDataConsent.NOTHING_TO_WITHDRAW, code="nothing_to_do")
    now = timezone.now()
    for row in rows:
        row.withdrawn_at, row.withdrawn_by, row.withdrawn_from = now, actor, address or None
    PersonalDataConsent.objects.bulk_update(
        rows, ["withdrawn_at", "withdrawn_by", "withdrawn_from"])
    audit_record(actor=actor, action=AuditAction.PERSON_DATA_CONSENT_WITHDRAW, target=person,
                 from_state="given", to_state="withdrawn",
                 data={"consents": [r.pk for r in rows],
                       "attestations": sorted({r.organization_id for r in rows
                                               if r.organization_id})})
    reason = gettext("The person withdrew their separate consent to the registry holding "
                     "their ID number.")
    approvals = list(Approval.objects.select_for_update()
                     .filter(person=person, status__in=[Approval.Status.APPROVED,
                                                        Approval.Status.SUSPENDED])
                     .order_by("pk"))
    in_force = [a for a in approvals if a.status == Approval.Status.APPROVED]
    for approval in approvals:  # one already suspended is held for the consent too
        approval_suspend(actor=actor, approval=approval, reason=reason,
                         cause=ApprovalHold.Cause.CONSENT)
    reached = sanction_fan_out(actor=actor, approvals=in_force, action=CONSENT, reason=reason)
    _tell_rostering_schools(person, approvals, told_engagements=reached["engagements"])
    open_approvals = Approval.objects.filter(person=person,
                                             status__in=Approval.OPEN_STATUSES)
    vetting = RecordQueryConsent.objects.filter(person=person, withdrawn_at=None)
    _tell_bureaus(person, Bureau.objects.filter(
        Q(jurisdiction__in=open_approvals.values("jurisdiction"))
        | Q(pk__in=vetting.values("bureau"))),
        subject=gettext("%(person)s withdrew their separate consent to holding their ID "
                        "number") % {"person": person.name},
        body=gettext("%(count)d of their approvals are suspended and cannot be reinstated, "
                     "no record query may be made and no approval granted, until they give "
                     "it again. What is held is kept only as long as the archive rules "
                     "require and used for nothing else.") % {"count": len(approvals)})
    return rows


def _tell_bureaus(person: Person, bureaus, *, subject: str, body: str) -> None:
    """Tell the clerks and administrators of ``bureaus`` about ``person``."""
    for bureau in bureaus.order_by("pk"):
        notifications.notify(
            users=[*bureau_staff(bureau, "clerk_bureau"),
                   *bureau_staff(bureau, "administer_bureau")],
            subject=subject, body=body, url=reverse("registry:bureau", args=[bureau.pk]),
            about=person)


def _tell_rostering_schools(person: Person, approvals, *, told_engagements) -> None:
    """The schools with ``person`` on the roster of a live engagement (an organization's,
    resting on its approval: the fan-out told only those engaging the person): their
    permit there is suspended with the approval."""
    engagements = (RosterMember.objects
                   .filter(person=person, approval__in=approvals, removed_at=None,
                           engagement__status__in=[*Engagement.LIVE_STATUSES,
                                                   Engagement.Status.SUSPENDED],
                           engagement__ends_on__gte=timezone.localdate())
                   .exclude(engagement_id__in=told_engagements))
    school_ids = set(engagements.values_list("engagement__school_id", flat=True))
    users = users_acting_for("school", "act_for_school", school_ids)
    if users:
        notifications.notify(
            users=users,
            subject=gettext("%(person)s's approval is suspended: consent withdrawn") % {
                "person": person.name},
            body=gettext("%(person)s withdrew their consent to the registry holding their "
                         "personal data: their approval is no longer in force and their "
                         "entry permit is suspended; they may not teach or enter the "
                         "school. Arrange cover for the sessions affected.") % {
                "person": person.name},
            url=reverse("registry:school-engagements"), about=person)


@transaction.atomic
def individual_register(*, actor, personal_data_consent: bool, address: str | None = None,
                        name: str, id_number: str, kind: str, phone: str = "",
                        email: str = "", qualification: str = "") -> Person:
    """A person registers themself (``actor``'s account becomes theirs), giving their ID
    number: only with their separate consent to its holding, recorded in the same
    transaction. Without it nothing is saved."""
    if not personal_data_consent:
        raise ValidationError({"personal_data_consent": PersonalDataConsent.REQUIRED},
                              code="consent_required")
    person = person_register(actor=actor, user=actor, name=name, id_number=id_number,
                             kind=kind, phone=phone, email=email, qualification=qualification)
    personal_data_consent_give(actor=actor, person=person, address=address)
    return person


@transaction.atomic
def staff_register(*, actor, organization: Organization,
                   personal_data_consent_attested: bool, address: str | None = None,
                   name: str, id_number: str, kind: str, phone: str = "", email: str = "",
                   qualification: str = "") -> Person:
    """``actor``, acting for ``organization``, adds a staff member (or puts one back on its
    roster): only while attesting that the organization holds the person's signed separate
    consent form (个人信息单独同意书) to the text of ``PersonalDataConsent.VERSION``. The
    attestation (who, for whom, when, which text, from which address) is recorded and audited
    in the same transaction; without it nothing is saved."""
    if not actor.has_perm("registry.act_for_organization", organization):
        raise PermissionDenied(_("You do not act for this organization."))
    if not personal_data_consent_attested:
        raise ValidationError(
            {"personal_data_consent_attested": PersonalDataConsent.ATTESTATION_REQUIRED},
            code="consent_required")
    person = person_register(actor=actor, organization=organization, name=name,
                             id_number=id_number, kind=kind, phone=phone, email=email,
                             qualification=qualification)
    attestation = PersonalDataConsent.objects.create(
        person=person, kind=PersonalDataConsent.Kind.ATTESTED, organization=organization,
        version=PersonalDataConsent.VERSION, given_by=actor, given_from=address or None)
    audit_record(actor=actor, action=AuditAction.PERSON_DATA_CONSENT_ATTESTED,
                 target=attestation, to_state="attested",
                 data={"person": person.pk, "organization": organization.pk,
                       "version": attestation.version})
    return person


# --- consent to the yearly re-query --------------------------------------------------------

# How long before its re-query opens a signed consent form may be dated and still count for
# it: the query itself may be dated as early (requery_record).
REQUERY_CONSENT_LEAD = datetime.timedelta(days=60)

# Evidence of consent to a re-query other than the person's account, which the layers above
# add (this one cannot read their records): documents adds the consent form (知情同意书) a
# clerk verified. Each answers ``person_ids -> {person id: the day their form was signed}``.
_requery_consent_forms: list[Callable[[list[int]], dict[int, datetime.date]]] = []


def requery_consent_evidence_register(
        check: Callable[[list[int]], dict[int, datetime.date]]) -> None:
    """Add ``check`` to what counts as consent to a yearly re-query (once)."""
    if check not in _requery_consent_forms:
        _requery_consent_forms.append(check)


def requery_consents(requeries) -> dict[int, str]:
    """How the person of each of ``requeries`` consented to it, by re-query id: "account"
    (the standing consent to the yearly re-query, given in their own account and not
    withdrawn), "form" (as at the first vetting, a consent form they signed for this year's
    query, dated at most ``REQUERY_CONSENT_LEAD`` before the re-query opened, uploaded and
    verified by a clerk: staff registered by their organization have no account to consent
    in, and are re-queried every year all the same), or "" (none: the query cannot be
    made; nor for a person who withdrew their separate consent to holding their ID
    number). Two queries, and one per registered check, however many re-queries."""
    requeries = list(requeries)
    if not requeries:
        return {}
    people = sorted({r.person_id for r in requeries})
    in_account = set(RecordQueryConsent.objects.filter(
        person_id__in=people, bureau_id__in={r.bureau_id for r in requeries},
        purpose=RecordQueryConsent.Purpose.REQUERY, withdrawn_at=None,
        given_by_id=F("person__user_id")).values_list("person_id", "bureau_id"))
    # withdrawn separate consent: no query of the ID number, whatever the consent to it
    withdrawn = people_data_consent_withdrawn(people)
    signed: dict[int, datetime.date] = {}
    for check in _requery_consent_forms:
        for person_id, day in check(people).items():
            signed[person_id] = max(day, signed.get(person_id, day))
    answers = {}
    for requery in requeries:
        day = signed.get(requery.person_id)
        answers[requery.pk] = (
            "" if requery.person_id in withdrawn
            else "account" if (requery.person_id, requery.bureau_id) in in_account
            else "form" if day is not None and day >= requery.opened_on - REQUERY_CONSENT_LEAD
            else "")
    return answers


def requery_consent_on_record(requery: RecordRequery) -> bool:
    """Whether the person consented to ``requery`` (:func:`requery_consents`)."""
    return bool(requery_consents([requery])[requery.pk])
