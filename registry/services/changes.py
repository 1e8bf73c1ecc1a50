"""Providers edit their organization, offerings and people after submitting. A change to a
fact an approval rests on (``REVIEWED_FIELDS``), made while the provider holds an open
approval, waits in a change request for a clerk; everything else applies at once."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import (
    Approval,
    ChangeRequest,
    Offering,
    Organization,
    Person,
    ServiceCategory,
)
from registry.models.changes import REVIEWED_FIELDS
from registry.roles import Role
from registry.selectors.core import objects_for_role
from registry.services.core import audit_record
from registry.services.search import search_index_refresh
from registry.validators import normalize_uscc

EDITABLE_FIELDS: dict[type, tuple[str, ...]] = {
    Organization: ("name", "uscc", "registration_kind", "provider_kind", "legal_representative",
                   "address", "contact_name", "contact_phone", "contact_email"),
    Offering: ("title", "description", "category", "grade_min", "grade_max", "fee_per_session",
               "capacity", "free_places_per_term", "weekdays", "is_active"),
    Person: ("name", "kind", "qualification", "phone", "email"),
}


def _subjects(target) -> tuple[Organization | None, Person | None]:
    """The organization and the person whose approvals rest on ``target``."""
    if isinstance(target, Organization):
        return target, None
    if isinstance(target, Offering):
        return target.organization, None
    return target.organization, target


def _may_edit(actor, target) -> bool:
    organization, person = _subjects(target)
    if person is not None and (person.user_id == actor.pk
                               or actor.has_perm("registry.act_for_person", person)):
        return True
    return organization is not None and actor.has_perm("registry.act_for_organization",
                                                       organization)


def _open_approvals(target):
    organization, person = _subjects(target)
    if isinstance(target, Person):
        return Approval.objects.filter(person=person, status__in=Approval.OPEN_STATUSES)
    return Approval.objects.filter(organization=organization,
                                   status__in=Approval.OPEN_STATUSES)


def _stored(value):
    """A value as the change request's JSON keeps it."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    return value


def _assign(target, field: str, value) -> None:
    if field == "category":
        if not isinstance(value, ServiceCategory):
            value = ServiceCategory.objects.filter(pk=value).first()
        if value is None or not value.is_active:
            raise ValidationError({"category": _("Choose a category in use.")})
        target.category = value
        return
    if field == "uscc":
        value = normalize_uscc(value)
    if field == "fee_per_session" and value is not None:
        value = Decimal(str(value))
    if isinstance(value, str) and field not in ("uscc",):
        value = value.strip()
    setattr(target, field, value)


def _validate(target) -> None:
    """The whole object with the new values, as registration checks it."""
    # the fields, the offering's rules, then the database constraints: checked before the
    # rules, a constraint behind one would answer with its own name above the form, not
    # beside the field
    exclude = {"organization", "user", "county", "administrator"}
    target.full_clean(exclude=exclude, validate_constraints=False)
    if isinstance(target, Offering):
        if target.grade_min > target.grade_max:
            raise ValidationError({"grade_max": _("The highest grade must not be below the "
                                                  "lowest.")})
        if target.free_places_per_term > target.capacity:
            raise ValidationError({"free_places_per_term": _(
                "The free places cannot be more than the capacity.")})
    target.validate_constraints(exclude=exclude)
    if isinstance(target, Organization) and Organization.objects.filter(
            uscc=target.uscc).exclude(pk=target.pk).exists():
        raise ValidationError({"uscc": _("An organization with this unified social credit code "
                                         "is already registered.")})


@transaction.atomic
def provider_edit(*, actor, target: Organization | Offering | Person,
                  changes: dict) -> tuple[Organization | Offering | Person, ChangeRequest | None]:
    """Edit ``target``: the changes not under review apply at once; the reviewed ones (when
    an approval is open) go into one change request. Every new value is checked first: a bad
    one refuses the whole edit, changing nothing."""
    model = type(target)
    target = model.objects.select_for_update().get(pk=target.pk)
    if not _may_edit(actor, target):
        raise PermissionDenied(_("You do not act for this provider."))
    allowed = EDITABLE_FIELDS[model]
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    before = {f: _stored(getattr(target, f)) for f in changes}
    proposed = model.objects.get(pk=target.pk)
    for field, value in changes.items():
        _assign(proposed, field, value)
    _validate(proposed)
    diff = {f: _stored(getattr(proposed, f)) for f in changes
            if _stored(getattr(proposed, f)) != before[f]}
    if not diff:
        return target, None
    reviewed_names = REVIEWED_FIELDS[model._meta.label_lower]
    under_review = (set(diff) & reviewed_names) if _open_approvals(target).exists() else set()
    at_once = {f: v for f, v in diff.items() if f not in under_review}
    if at_once:
        for field in at_once:
            _assign(target, field, getattr(proposed, field))
        target.save(update_fields=[*at_once, "updated_at"])
        audit_record(actor=actor, action=f"{model._meta.model_name}.edit", target=target,
                     data={"changes": at_once, "before": {f: before[f] for f in at_once}})
    request = None
    if under_review:
        organization, person = _subjects(target)
        request = ChangeRequest.objects.create(
            target_type=ContentType.objects.get_for_model(model), target_id=target.pk,
            organization=organization, person=person if isinstance(target, Person) else None,
            changes={f: diff[f] for f in sorted(under_review)},
            previous={f: before[f] for f in sorted(under_review)}, requested_by=actor)
        audit_record(actor=actor, action="change_request.create", target=request,
                     to_state=request.status, data={"changes": request.changes})
    _refresh_search(target)
    return target, request


def _refresh_search(target) -> None:
    organization, person = _subjects(target)
    if isinstance(target, Person):
        search_index_refresh(person=target)
    elif organization is not None:
        search_index_refresh(organization=organization)


def may_review(actor, change_request: ChangeRequest) -> bool:
    """A clerk of a bureau in whose jurisdiction the provider holds an open approval."""
    subject = ({"person_id": change_request.person_id} if change_request.person_id
               else {"organization_id": change_request.organization_id})
    jurisdictions = Approval.objects.filter(status__in=Approval.OPEN_STATUSES,
                                            **subject).values("jurisdiction_id")
    return objects_for_role(actor, Role.BUREAU_CLERK, "registry.bureau").filter(
        jurisdiction_id__in=jurisdictions).exists()


@transaction.atomic
def change_request_review(*, actor, change_request: ChangeRequest, approve: bool,
                          reason: str = "") -> ChangeRequest:
    """A clerk approves (the new values take effect, checked again) or rejects (with a
    reason the provider reads) a change request."""
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not may_review(actor, change_request):
        raise PermissionDenied(_("Only a clerk of a bureau that approved this provider may "
                                 "review its changes."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the change is rejected; the provider "
                                           "reads it.")})
    target_status = ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REJECTED
    previous = change_request.apply_transition(target_status)
    if approve:
        model = change_request.target_type.model_class()
        target = model.objects.select_for_update().get(pk=change_request.target_id)
        for field, value in change_request.changes.items():
            _assign(target, field, value)
        _validate(target)
        target.save(update_fields=[*change_request.changes, "updated_at"])
        audit_record(actor=actor, action=f"{model._meta.model_name}.edit", target=target,
                     data={"changes": change_request.changes,
                           "before": change_request.previous,
                           "change_request": change_request.pk})
        _refresh_search(target)
    change_request.reviewed_by, change_request.reviewed_at = actor, timezone.now()
    change_request.reason = reason
    change_request.save(update_fields=["status", "reviewed_by", "reviewed_at", "reason"])
    audit_record(actor=actor, action=f"change_request.{target_status}", target=change_request,
                 from_state=previous, to_state=target_status, reason=reason)
    return change_request


__all__ = ["change_request_review", "may_review",
           "provider_edit"]
