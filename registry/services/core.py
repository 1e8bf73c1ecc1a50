"""Writes. Every function here is keyword-only, runs in one transaction, takes
the acting user explicitly and leaves an :class:`AuditEvent` for each state change.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from registry.backends import forget_object_permissions
from registry.models import (
    Approval,
    AuditAction,
    AuditEvent,
    Jurisdiction,
    Offering,
    Organization,
    Person,
    ServiceCategory,
)
from registry.models.subjects import one_subject
from registry.roles import ROLE_PERMISSIONS, Role
from registry.selectors.consent import data_consent_withdrawn
from registry.selectors.sanctions import is_blacklisted
from registry.services.availability import availability_refresh
from registry.services.search import search_availability_refresh, search_index_refresh
from registry.validators import normalize_id_number, normalize_uscc, validate_adult_id_number


def _actor_repr(actor) -> str:
    if actor is None:
        return "system"
    return actor.get_username()


def audit_record(*, actor, action: str, target: models.Model, **details) -> AuditEvent:
    """Append one audit event (``details``: as :func:`audit_event`). Call it inside the
    transaction of the change it records."""
    event = audit_event(actor=actor, action=action, target=target, **details)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append several events (made by :func:`audit_event`) in one INSERT: for one action
    that changes many rows, such as a clerk's review of every document of a case."""
    return AuditEvent.objects.bulk_create(events)


def audit_event(
    *,
    actor,
    action: str,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved audit event: give it to :func:`audit_record_many`. ``action`` must be one
    of :class:`~registry.models.AuditAction` (a ValueError otherwise: a programming error)."""
    if action not in AuditAction.values:
        raise ValueError(f"{action!r} is not an audit action (registry.models.AuditAction)")
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_repr=_actor_repr(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


# --- roles ------------------------------------------------------------------

def _role_codename(role: str, target: models.Model) -> str:
    try:
        targets = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        raise ValidationError(_("Unknown role: %(role)s."), params={"role": role}) from None
    codename = targets.get(target._meta.label_lower)
    if codename is None:
        raise ValidationError(
            _("The role %(role)s cannot be granted on a %(model)s."),
            params={"role": Role(role).label, "model": target._meta.verbose_name},
        )
    return codename


@transaction.atomic
def role_grant(*, actor, user, role: str, target: models.Model) -> None:
    """Give ``user`` the ``role`` (its group) on ``target`` (its object permission)."""
    codename = _role_codename(role, target)
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    assign_perm(codename, user, target)
    forget_object_permissions(user)
    audit_record(
        actor=actor, action="role.grant", target=target,
        data={"user": user.get_username(), "role": str(role)},
    )


@transaction.atomic
def role_revoke(*, actor, user, role: str, target: models.Model) -> None:
    """Take ``role`` on ``target`` away from ``user``; the group goes with the last object."""
    codename = _role_codename(role, target)
    remove_perm(codename, user, target)
    from guardian.models import UserObjectPermission

    still_holds = UserObjectPermission.objects.filter(
        user=user, permission__codename__in=ROLE_PERMISSIONS[Role(role)].values()
    ).exists()
    if not still_holds:
        user.groups.remove(*Group.objects.filter(name=role))
    forget_object_permissions(user)
    audit_record(
        actor=actor, action="role.revoke", target=target,
        data={"user": user.get_username(), "role": str(role)},
    )


# --- providers ---------------------------------------------------------------

@transaction.atomic
def organization_register(
    *,
    actor,
    name: str,
    uscc: str,
    registration_kind: str,
    legal_representative: str,
    county: Jurisdiction,
    address: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    grant_provider_role: bool = True,
    provider_kind: str = Organization.ProviderKind.PRIVATE_TRAINING,
) -> Organization:
    """Register an organization; the registering user becomes its provider user and its
    administrator (who invites colleagues and keeps the staff roster)."""
    code = normalize_uscc(uscc)
    taken = _(
        "An organization with this unified social credit code is already registered. To "
        "act for it, ask its administrator to invite you (they send you an invitation by "
        "email from the organization's page).")
    _refuse_taken(Organization, "uscc", code, taken)
    organization = Organization(
        name=name.strip(), uscc=code, registration_kind=registration_kind,
        legal_representative=legal_representative.strip(), county=county,
        address=address.strip(), contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), contact_email=contact_email.strip(),
        provider_kind=provider_kind,
        administrator=actor if grant_provider_role and actor is not None and actor.pk else None,
    )
    organization.full_clean()
    if county.level != Jurisdiction.Level.COUNTY:
        raise ValidationError({"county": _("Choose the county or district of registration.")})
    holder = actor if grant_provider_role and actor is not None and actor.pk else None
    return _provider_save(actor=actor, provider=organization, provider_user=holder,
                          identifier="uscc", taken=taken)


def own_account_lock(user) -> None:
    """Lock ``user``'s row until the transaction ends, before asking whether the account is
    already a person's own: of two transactions making it someone's own at once (an
    administrator's link, an invitation claimed, registering oneself, a double submit), the
    second waits for the first and then sees its link, refused in words as when they come one
    after the other, not failing on ``Person.user``'s unique constraint (a 500)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


@transaction.atomic
def person_register(
    *,
    actor,
    name: str,
    id_number: str,
    kind: str,
    organization: Organization | None = None,
    user=None,
    phone: str = "",
    email: str = "",
    qualification: str = "",
) -> Person:
    """Register an individual; the ID number is validated and stored normalised. A person
    the organization took off its staff roster is put back on it instead (see
    :func:`_back_on_roster`)."""
    number = normalize_id_number(id_number)
    if user is not None:
        own_account_lock(user)
    returning = _back_on_roster(organization, number, name) if organization else None
    if returning is not None:
        returning.organization, returning.kind = organization, kind
        changed = ["organization", "kind", "updated_at"]
        for field, value in (("phone", phone), ("email", email),
                             ("qualification", qualification)):
            if (value or "").strip():  # what was typed now; what is on file otherwise
                setattr(returning, field, value.strip())
                changed.append(field)
        returning.full_clean()
        returning.save(update_fields=changed)
        audit_record(actor=actor, action=AuditAction.ROSTER_RETURN, target=returning,
                     data={"organization": organization.pk})
        search_index_refresh(person=returning)
        return returning
    taken = _("A person with this ID number is already registered.")
    _refuse_taken(Person, "id_number", number, taken)
    if user is not None and Person.objects.filter(user=user).exists():
        raise ValidationError(_("This account already has its own person record."),
                              code="user_taken")
    person = Person(
        name=name.strip(), id_number=number, kind=kind, organization=organization,
        user=user, phone=phone.strip(), email=email.strip(),
        qualification=(qualification or "").strip(),
    )
    person.full_clean()
    try:
        validate_adult_id_number(number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    return _provider_save(actor=actor, provider=person, provider_user=user,
                          identifier="id_number", taken=taken)


def _back_on_roster(organization: Organization, number: str, name: str) -> Person | None:
    """The person of ``number`` and ``name`` if ``organization`` may put them back on its
    staff roster: on no roster now, with no account of their own (which would make the
    record theirs to decide about), and taken off this organization's roster last. The
    organization typed what it had on file; anyone else is refused as before."""
    person = (Person.objects.select_for_update()
              .filter(id_number=number, name=(name or "").strip(), organization=None,
                      user=None).first())
    if person is None:
        return None
    last = (AuditEvent.objects.for_object(person).filter(action=AuditAction.ROSTER_REMOVE)
            .order_by("-pk").first())
    return person if last is not None and last.data.get("organization") == organization.pk \
        else None


def _refuse_taken(model, field: str, value: str, message) -> None:
    """A provider is registered once: its identifier (USCC, ID number) must be new."""
    if model.objects.filter(**{field: value}).exists():
        raise ValidationError({field: message})


def _provider_save(*, actor, provider, provider_user, identifier: str, taken):
    """Save a validated new organization or person: its audit event and search document,
    and the provider role on it for ``provider_user`` (if any). Its ``identifier`` (USCC, ID
    number) registered by another request at the same moment, after :func:`_refuse_taken`
    asked, is refused in the same words (``taken``), not a 500 on the unique constraint."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            provider.save()
    except IntegrityError:
        _refuse_taken(type(provider), identifier, getattr(provider, identifier), taken)
        raise
    kind = provider._meta.model_name
    audit_record(actor=actor, action=f"{kind}.register", target=provider, to_state="registered")
    search_index_refresh(**{kind: provider})
    if provider_user is not None:
        role_grant(actor=actor, user=provider_user, role=Role.PROVIDER, target=provider)
    return provider


@transaction.atomic
def offering_create(
    *,
    actor,
    organization: Organization,
    category: ServiceCategory,
    title: str,
    description: str,
    grade_min: int,
    grade_max: int,
    fee_per_session,
    capacity: int,
    weekdays: int,
    free_places_per_term: int = 0,
) -> Offering:
    """Add an offering to an organization's catalogue; a negative fee, negative free
    places (免费名额) or more free places than the capacity are refused."""
    from registry.services.policy import offering_terms_validate

    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    numbers = offering_terms_validate(fee_per_session=fee_per_session, capacity=capacity,
                                      free_places_per_term=free_places_per_term)
    offering = Offering(
        organization=organization, category=category, title=title.strip(),
        description=description.strip(), grade_min=grade_min, grade_max=grade_max,
        fee_per_session=numbers["fee_per_session"], capacity=capacity, weekdays=weekdays,
        free_places_per_term=numbers["free_places_per_term"],
    )
    # the fields, the rule, then the database constraints: checked before the rule, the
    # constraint behind it would answer with its own name above the form, not beside the grade
    offering.full_clean(validate_constraints=False)
    if offering.grade_min > offering.grade_max:
        raise ValidationError({"grade_max": _("The highest grade must not be below the lowest.")})
    offering.validate_constraints()
    offering.save()
    audit_record(actor=actor, action="offering.create", target=offering, to_state="active")
    search_index_refresh(organization=organization)
    return offering


# --- approvals ---------------------------------------------------------------

BLACKLISTED = _("This provider is on the blacklist and may not apply until the bar ends.")


def approval_open_check(*, jurisdiction: Jurisdiction, organization: Organization | None = None,
                        person: Person | None = None) -> None:
    """Raise ValidationError if an approval could not be opened for this subject here: a
    blacklisted provider, or one that already has an open approval in the jurisdiction.
    ``approval_create`` asks it; a decision asks it first, so the approver hears of it."""
    subject_filter = {"organization": organization} if organization else {"person": person}
    if is_blacklisted(uscc=organization.uscc if organization else None,
                      id_number=person.id_number if person else None):
        raise ValidationError(BLACKLISTED, code="blacklisted")
    if Approval.objects.filter(
        jurisdiction=jurisdiction, status__in=Approval.OPEN_STATUSES, **subject_filter
    ).exists():
        raise ValidationError(
            _("There is already an open approval for this provider in this jurisdiction.")
        )


@transaction.atomic
def approval_create(
    *,
    actor,
    jurisdiction: Jurisdiction,
    organization: Organization | None = None,
    person: Person | None = None,
    categories=(),
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    case_id: int | None = None,
    reason: str = "",
    expert_score=None,
    grades: tuple[int, int] | None = None,
) -> Approval:
    """Open a pending approval (a decision in public notice) for one subject; an
    individual's names the ``categories`` and ``grades`` (lowest, highest) they may teach."""
    one_subject(organization, person,
                _("An approval is for exactly one organization or one person."))
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of validity is before its start.")})
    if grades is not None and not 1 <= int(grades[0]) <= int(grades[1]) <= 9:
        raise ValidationError({"grade_max": _("Grades run from 1 to 9, lowest first.")})
    approval_open_check(jurisdiction=jurisdiction, organization=organization, person=person)
    approval = Approval.objects.create(
        jurisdiction=jurisdiction, organization=organization, person=person,
        valid_from=valid_from, valid_until=valid_until, case_id=case_id,
        expert_score=expert_score,
        grade_min=int(grades[0]) if grades is not None else None,
        grade_max=int(grades[1]) if grades is not None else None,
    )
    if categories:
        approval.categories.add(*categories)  # a new row: nothing to compare with, as set() would
    audit_record(actor=actor, action="approval.create", target=approval,
                 to_state=approval.status, reason=reason,
                 data={"categories": sorted(c.code for c in categories),
                       "grades": [approval.grade_min, approval.grade_max]}
                 if grades is not None else None)
    return approval


@transaction.atomic
def approval_transition(
    *,
    actor,
    approval: Approval,
    to: str,
    reason: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    data: dict[str, Any] | None = None,
) -> Approval:
    """Change an approval's status through the model's transition map, with audit
    (``data``: details for the event, such as the cause of a suspension).

    The row is locked first, so two concurrent changes apply one after the other
    and the second one is judged against the first one's result.
    """
    locked = Approval.objects.select_for_update().get(pk=approval.pk)
    previous = locked.apply_transition(to)
    fields = ["status", "status_changed_at"]
    if valid_from is not None:
        locked.valid_from = valid_from
        fields.append("valid_from")
    if valid_until is not None:
        locked.valid_until = valid_until
        fields.append("valid_until")
    if locked.valid_from and locked.valid_until and locked.valid_until < locked.valid_from:
        raise ValidationError({"valid_until": _("The end of validity is before its start.")})
    locked.save(update_fields=fields)
    if Approval.Status.APPROVED in (previous, to):  # school search's prefilter follows
        search_availability_refresh(approval=locked)
        availability_refresh(approval=locked)  # and what it ranks on
    audit_record(actor=actor, action=f"approval.{to}", target=locked,
                 from_state=previous, to_state=to, reason=reason, data=data)
    approval.refresh_from_db()
    return locked


@transaction.atomic
def approval_approve(*, actor, approval, valid_from, valid_until, reason=""):
    """The notice period passed: the approval takes effect for its term. Never for a
    provider blacklisted since it applied (``approval_open_check`` asked when it applied and
    at the decision; the bar may have come during the public notice), nor for a person who
    has withdrawn their separate consent to holding their ID number."""
    subject = approval.subject
    if is_blacklisted(uscc=getattr(subject, "uscc", None),
                      id_number=getattr(subject, "id_number", None)):
        raise ValidationError(BLACKLISTED, code="blacklisted")
    if approval.person_id and data_consent_withdrawn(approval.person):
        raise ValidationError(_("The person has withdrawn their separate consent to the "
                                "registry holding their ID number: no approval takes effect "
                                "until they give it again."), code="consent_withdrawn")
    return approval_transition(actor=actor, approval=approval, to=Approval.Status.APPROVED,
                               reason=reason, valid_from=valid_from, valid_until=valid_until)


def require_perm(actor, permission: str, obj, message) -> None:
    """``PermissionDenied(message)`` unless ``actor`` holds ``permission`` on ``obj``."""
    if actor is None or not actor.has_perm(permission, obj):
        raise PermissionDenied(message)


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason; it is recorded in the audit trail.")})


@transaction.atomic
def approval_revoke(*, actor, approval, reason):
    """End an approval for cause; final."""
    _require_reason(reason)
    return approval_transition(actor=actor, approval=approval,
                               to=Approval.Status.REVOKED, reason=reason)


@transaction.atomic
def approval_expire(*, actor, approval, reason):
    """End an approval whose term or grace period ran out; final."""
    return approval_transition(actor=actor, approval=approval,
                               to=Approval.Status.EXPIRED, reason=reason)
