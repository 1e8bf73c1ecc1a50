"""Bureau sanctions on a provider (动态调整 / 退出): suspend, reinstate, revoke, blacklist.

Each acts on every approval of the provider inside the bureau's jurisdiction
(its own and those below it), through the approval services, so the approval
transition map and its audit events apply; search and new engagements check
approval status at query time, so the effect is immediate.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Approval, Blacklisting, Bureau, Jurisdiction, Organization, Person
from registry.selectors.sanctions import is_blacklisted
from registry.services.core import (
    _require_reason,
    approval_reinstate,
    approval_revoke,
    approval_suspend,
    audit_record,
)


def _require_admin(actor, bureau: Bureau) -> None:
    if actor is None or not actor.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied(_("Only an administrator of this bureau may sanction providers."))


def _subject(organization, person) -> dict:
    if (organization is None) == (person is None):
        raise ValidationError(_("Sanction exactly one organization or one person."))
    return {"organization": organization} if organization else {"person": person}


def _approvals(bureau: Bureau, subject: dict, statuses) -> list[Approval]:
    """The subject's approvals under the bureau, locked in primary-key order."""
    return list(
        Approval.objects.select_for_update(of=("self",))
        .filter(Jurisdiction.subtree_q(bureau.jurisdiction_id, prefix="jurisdiction__"),
                status__in=list(statuses), **subject)
        .order_by("pk")
    )


def _nothing(message):
    raise ValidationError(message, code="nothing_to_do")


@transaction.atomic
def provider_suspend(*, actor, bureau: Bureau, reason: str,
                     organization: Organization | None = None,
                     person: Person | None = None) -> list[Approval]:
    """Suspend the provider's approved approvals under ``bureau``; takes effect at once."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    approvals = _approvals(bureau, _subject(organization, person), [Approval.Status.APPROVED])
    if not approvals:
        _nothing(_("This provider has no approval in force here to suspend."))
    return [approval_suspend(actor=actor, approval=a, reason=reason) for a in approvals]


@transaction.atomic
def provider_reinstate(*, actor, bureau: Bureau, reason: str,
                       organization: Organization | None = None,
                       person: Person | None = None) -> list[Approval]:
    """Put the provider's suspended approvals under ``bureau`` back in force."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    subject = _subject(organization, person)
    if is_blacklisted_subject(**subject):
        raise ValidationError(_("A blacklisted provider cannot be reinstated."))
    approvals = _approvals(bureau, subject, [Approval.Status.SUSPENDED])
    if not approvals:
        _nothing(_("This provider has no suspended approval here to reinstate."))
    return [approval_reinstate(actor=actor, approval=a, reason=reason) for a in approvals]


@transaction.atomic
def provider_revoke(*, actor, bureau: Bureau, reason: str,
                    organization: Organization | None = None,
                    person: Person | None = None) -> list[Approval]:
    """Revoke (final) the provider's open approvals under ``bureau``."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    approvals = _approvals(bureau, _subject(organization, person), Approval.OPEN_STATUSES)
    if not approvals:
        _nothing(_("This provider has no open approval here to revoke."))
    return [approval_revoke(actor=actor, approval=a, reason=reason) for a in approvals]


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def provider_blacklist(*, actor, bureau: Bureau, reason: str, years: int,
                       organization: Organization | None = None,
                       person: Person | None = None) -> Blacklisting:
    """Blacklist (黑名单) the provider for ``years`` years: its open approvals under
    ``bureau`` are revoked, and new applications by the same unified social credit
    code or ID number are refused (see ``selectors.is_blacklisted``)."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    subject = _subject(organization, person)
    if not 1 <= int(years) <= 20:
        raise ValidationError({"years": _("Blacklist for 1 to 20 years.")})
    today = timezone.localdate()
    for approval in _approvals(bureau, subject, Approval.OPEN_STATUSES):
        approval_revoke(actor=actor, approval=approval, reason=reason)
    entry = Blacklisting.objects.create(
        bureau=bureau, starts_on=today, ends_on=_add_years(today, int(years)), reason=reason,
        created_by=actor, uscc=organization.uscc if organization else "",
        id_number=person.id_number if person else "", **subject,
    )
    audit_record(actor=actor, action="provider.blacklist", target=entry, to_state="blacklisted",
                 reason=reason, data={"years": int(years), "until": entry.ends_on.isoformat()})
    return entry


# A record of sexual offences bars a person from work with children for good.
RECORD_HIT_BAR_YEARS = 100


@transaction.atomic
def person_bar_for_record_hit(*, actor, bureau: Bureau, person: Person,
                              reason: str) -> Blacklisting:
    """Bar a person whose mandatory record query (入职查询) returned a record: open
    approvals are revoked and no new vetting or approval is accepted. Called by the
    vetting workflow for the clerk who recorded the result (no administrator step)."""
    _require_reason(reason)
    if is_blacklisted(id_number=person.id_number):
        return Blacklisting.objects.filter(id_number=person.id_number).latest("pk")
    for approval in Approval.objects.filter(person=person, status__in=Approval.OPEN_STATUSES):
        approval_revoke(actor=actor, approval=approval, reason=reason)
    today = timezone.localdate()
    entry = Blacklisting.objects.create(
        bureau=bureau, starts_on=today, ends_on=_add_years(today, RECORD_HIT_BAR_YEARS),
        reason=reason, created_by=actor, id_number=person.id_number, person=person)
    audit_record(actor=actor, action="provider.bar_record_hit", target=entry,
                 to_state="blacklisted", reason=reason)
    return entry


def is_blacklisted_subject(*, organization=None, person=None) -> bool:
    if organization is not None:
        return is_blacklisted(uscc=organization.uscc)
    return is_blacklisted(id_number=person.id_number)


def provider_sanction(*, actor, bureau: Bureau, action: str, reason: str,
                      organization: Organization | None = None, person: Person | None = None,
                      years: int | None = None):
    """One entry point for the forms and the API: ``action`` is suspend, reinstate,
    revoke or blacklist."""
    subject = {"organization": organization, "person": person}
    if action == "suspend":
        return provider_suspend(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "reinstate":
        return provider_reinstate(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "revoke":
        return provider_revoke(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "blacklist":
        return provider_blacklist(actor=actor, bureau=bureau, reason=reason, years=years or 0,
                                  **subject)
    raise ValidationError({"action": _("Unknown sanction.")})
