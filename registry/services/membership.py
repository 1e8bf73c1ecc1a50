"""An organization's people: its administrator invites colleagues (the provider role for
that organization alone) and the people of its staff roster (to claim their own record),
and keeps the roster. An invitation works once, before it expires, for the address it was
sent to."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import mail, tasks
from registry.models import Organization, Person, ProviderInvitation
from registry.roles import Role
from registry.services.core import audit_record, own_account_lock, role_grant
from registry.services.search import search_index_refresh


def _require_administrator(actor, organization: Organization) -> None:
    if actor is None or not actor.is_authenticated or organization.administrator_id != actor.pk:
        raise PermissionDenied(_("Only the organization's administrator may do this."))


@transaction.atomic
def provider_invitation_create(*, actor, organization: Organization, email: str,
                               base_url: str, person: Person | None = None
                               ) -> ProviderInvitation:
    """Invite ``email`` to act for ``organization`` or, with ``person`` (of its roster), to
    claim that person's record; the worker emails the link after the commit."""
    _require_administrator(actor, organization)
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    if person is not None:
        if person.organization_id != organization.pk:
            raise ValidationError({"person": _("This person is not on the organization's "
                                               "staff roster.")})
        if person.user_id is not None:
            raise ValidationError({"person": _("This person already has their own account.")})
    invitation = ProviderInvitation.objects.create(
        organization=organization, person=person, email=address, invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.PROVIDER_INVITATION_DAYS))
    audit_record(actor=actor, action="provider_invitation.create", target=invitation,
                 to_state="sent", data={"organization": organization.pk,
                                        "person": person.pk if person else None})
    transaction.on_commit(lambda: tasks.send_provider_invitation.delay(invitation.pk,
                                                                       base_url))
    return invitation


def invitation_from_token(token: str) -> ProviderInvitation:
    """The invitation a link names; a ValidationError when the link was altered."""
    try:
        data = signing.loads(token or "", salt=mail.INVITATION_SALT)
    except signing.BadSignature:
        data = None
    invitation = None
    if isinstance(data, dict) and isinstance(data.get("i"), int):
        invitation = (ProviderInvitation.objects.select_related("organization", "person")
                      .filter(pk=data["i"], email=data.get("e")).first())
    if invitation is None:
        raise ValidationError({"token": _("This invitation link is not valid: open the whole "
                                          "link from the email.")}, code="invalid")
    return invitation


def invitation_spent(invitation: ProviderInvitation) -> ValidationError | None:
    """Why ``invitation`` can no longer be accepted (used, or expired), or None: the page
    says so before anyone signs in or up for nothing."""
    if invitation.accepted_at is not None:
        return ValidationError({"token": _("This invitation was already used: an invitation "
                                           "works once.")}, code="used")
    if invitation.is_expired:
        return ValidationError({"token": _("This invitation has expired: ask the "
                                           "organization's administrator for a new one.")},
                               code="expired")
    return None


@transaction.atomic
def provider_invitation_accept(*, actor, token: str) -> ProviderInvitation:
    """The invitee, signed in with the address invited, accepts: a colleague gets the
    provider role for the organization; a person of the roster gets their own record.
    Refused, with nothing changed, when used before, expired, or for another address."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in (or sign up) with the address invited first."))
    invitation = invitation_from_token(token)
    invitation = (ProviderInvitation.objects.select_for_update(of=("self",))
                  .select_related("organization", "person").get(pk=invitation.pk))
    spent = invitation_spent(invitation)
    if spent is not None:
        raise spent
    if not invitation.is_for(actor):
        raise PermissionDenied(_("This invitation was sent to another email address: sign in "
                                 "with that one."))
    if invitation.person_id:
        person = Person.objects.select_for_update().get(pk=invitation.person_id)
        own_account_lock(actor)  # the person, then the account: as every link locks them
        if person.user_id is not None:
            raise ValidationError({"token": _("This person already has their own account.")},
                                  code="used")
        if Person.objects.filter(user=actor).exists():
            raise ValidationError({"token": _("Your account already has its own person "
                                              "record.")}, code="user_taken")
        person.user = actor
        person.save(update_fields=["user", "updated_at"])
        role_grant(actor=actor, user=actor, role=Role.PROVIDER, target=person)
    else:
        role_grant(actor=actor, user=actor, role=Role.PROVIDER, target=invitation.organization)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(actor=actor, action="provider_invitation.accept", target=invitation,
                 from_state="sent", to_state="accepted")
    return invitation


@transaction.atomic
def roster_remove(*, actor, person: Person) -> Person:
    """The administrator takes a person off the organization's staff roster (the person's
    record stays, their own if they claimed it)."""
    person = (Person.objects.select_for_update(of=("self",)).select_related("organization")
              .get(pk=person.pk))
    if person.organization is None:
        raise ValidationError(_("This person is on no organization's roster."))
    organization = person.organization
    _require_administrator(actor, organization)
    person.organization = None
    person.save(update_fields=["organization", "updated_at"])
    audit_record(actor=actor, action="roster.remove", target=person,
                 data={"organization": organization.pk})
    search_index_refresh(person=person)
    return person
