"""Bureau sanctions on a provider (动态调整 / 退出): suspend, reinstate, revoke (a
blacklisting is proposed: ``registry.services.blacklist``).

Each acts on every approval of the provider inside the bureau's jurisdiction
(its own and those below it), through the approval services, so the approval
transition map and its audit events apply; search and new engagements check
approval status at query time, so the effect is immediate.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from registry.models import (
    Approval,
    ApprovalHold,
    Bureau,
    Jurisdiction,
    Organization,
    Person,
)
from registry.models.subjects import one_subject, subject_kwargs
from registry.selectors.sanctions import is_blacklisted
from registry.services.core import (
    _require_reason,
    approval_revoke,
    audit_event,
    audit_record_many,
    require_perm,
)
from registry.services.holds import approval_reinstate, approval_suspend
from registry.services.sanction_reach import sanction_fan_out

# what the bureau's reinstatement answers: its own sanctions, and a person's withdrawal of
# their separate consent once they have given it again (the bureau decides to resume; while
# it is withdrawn, approval_reinstate leaves that hold in place). A record hit is answered
# by the bar's decision, registry.services.holds.record_hit_answered.
BUREAU_CAUSES = (ApprovalHold.Cause.SANCTION, ApprovalHold.Cause.CONSENT)


def _require_admin(actor, bureau: Bureau) -> None:
    require_perm(actor, "registry.administer_bureau", bureau,
                 _("Only an administrator of this bureau may sanction providers."))


def _subject(organization, person) -> dict:
    return subject_kwargs(one_subject(organization, person,
                                      _("Sanction exactly one organization or one person.")))


def _approvals(bureau: Bureau, subject: dict, statuses,
               unless_held_for: str | None = None) -> list[Approval]:
    """The subject's approvals under the bureau (without an open hold for
    ``unless_held_for``), locked in primary-key order."""
    approvals = Approval.objects.filter(
        Jurisdiction.subtree_q(bureau.jurisdiction_id, prefix="jurisdiction__"),
        status__in=list(statuses), **subject)
    if unless_held_for:
        approvals = approvals.exclude(Exists(ApprovalHold.objects.filter(
            approval=OuterRef("pk"), cause=unless_held_for, lifted_at__isnull=True)))
    return list(approvals.select_for_update(of=("self",)).order_by("pk"))


def _nothing(message):
    raise ValidationError(message, code="nothing_to_do")


def _sanction(*, actor, bureau: Bureau, reason: str, organization, person, statuses,
              none_left: str, change, fan_out: str, refuse_blacklisted: bool = False,
              unless_held_for: str | None = None) -> list[Approval]:
    """What every sanction does: check the actor and the reason, lock the subject's
    approvals in ``statuses`` under ``bureau`` (``none_left`` refuses when there is none),
    ``change`` each through its approval service, and carry to their engagements those
    whose status changed."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    subject = _subject(organization, person)
    if refuse_blacklisted and is_blacklisted_subject(**subject):
        raise ValidationError(_("A blacklisted provider cannot be reinstated."))
    approvals = _approvals(bureau, subject, statuses, unless_held_for)
    if not approvals:
        _nothing(none_left)
    before = {a.pk: a.status for a in approvals}
    changed = [change(actor=actor, approval=a, reason=reason) for a in approvals]
    # only a change of status reaches the schools: one already suspended for another cause
    # is now held for this one too, and one reinstated may still be held (an expired
    # credential, a re-query not done)
    reached = [a for a in changed if a.status != before[a.pk]]
    sanction_fan_out(actor=actor, approvals=reached, action=fan_out, reason=reason)
    return changed


@transaction.atomic
def provider_suspend(*, actor, bureau: Bureau, reason: str,
                     organization: Organization | None = None,
                     person: Person | None = None) -> list[Approval]:
    """Suspend the provider's approved approvals under ``bureau``; takes effect at once.
    One already suspended for another cause (an expired credential) is held for the
    sanction too, so that its renewal does not put it back in force."""
    return _sanction(actor=actor, bureau=bureau, reason=reason, organization=organization,
                     person=person, statuses=[Approval.Status.APPROVED,
                                              Approval.Status.SUSPENDED],
                     none_left=_("This provider has no approval in force here to suspend."),
                     change=approval_suspend, fan_out="suspend",
                     unless_held_for=ApprovalHold.Cause.SANCTION)


@transaction.atomic
def provider_reinstate(*, actor, bureau: Bureau, reason: str,
                       organization: Organization | None = None,
                       person: Person | None = None) -> list[Approval]:
    """Lift the bureau's own suspension (its sanction) of the provider's approvals under
    ``bureau``; never a blacklisted provider's. An approval another cause still holds (an
    expired credential waiting for its renewal, a re-query not done, a record hit being
    confirmed) stays suspended until that is answered: the approvals returned say so."""
    def lift(*, actor, approval, reason):
        return approval_reinstate(actor=actor, approval=approval, reason=reason,
                                  causes=BUREAU_CAUSES)

    return _sanction(actor=actor, bureau=bureau, reason=reason, organization=organization,
                     person=person, statuses=[Approval.Status.SUSPENDED],
                     none_left=_("This provider has no suspended approval here to reinstate."),
                     change=lift, fan_out="restore", refuse_blacklisted=True)


@transaction.atomic
def provider_revoke(*, actor, bureau: Bureau, reason: str,
                    organization: Organization | None = None,
                    person: Person | None = None) -> list[Approval]:
    """Revoke (final) the provider's open approvals under ``bureau``."""
    return _sanction(actor=actor, bureau=bureau, reason=reason, organization=organization,
                     person=person, statuses=Approval.OPEN_STATUSES,
                     none_left=_("This provider has no open approval here to revoke."),
                     change=approval_revoke, fan_out="terminate")


@transaction.atomic
def provider_rectification_set(*, actor, bureau: Bureau, reason: str,
                               due: datetime.date | None,
                               organization: Organization | None = None,
                               person: Person | None = None) -> list[int]:
    """Mark (``due``: the deadline) or clear (``None``) rectification (整改中) on the
    provider's open approvals under ``bureau``; they stay in force. One audit event each."""
    approvals = _approvals(bureau, _subject(organization, person), Approval.OPEN_STATUSES)
    ids = [a.pk for a in approvals]
    Approval.objects.filter(pk__in=ids).update(rectification_due=due)
    audit_record_many([
        audit_event(actor=actor, action="approval.rectification" if due else
                    "approval.rectification_end", target=a, from_state=a.status,
                    to_state=a.status, reason=reason,
                    data={"due": due.isoformat() if due else None}) for a in approvals])
    return ids


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_blacklisted_subject(*, organization=None, person=None) -> bool:
    if organization is not None:
        return is_blacklisted(uscc=organization.uscc)
    return is_blacklisted(id_number=person.id_number)


@transaction.atomic
def provider_sanction(*, actor, bureau: Bureau, action: str, reason: str,
                      organization: Organization | None = None, person: Person | None = None,
                      years: int | None = None):
    """One entry point for the forms and the API: ``action`` is suspend, reinstate or
    revoke (a blacklisting is proposed: :func:`blacklist_propose`)."""
    subject = {"organization": organization, "person": person}
    if action == "suspend":
        return provider_suspend(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "reinstate":
        return provider_reinstate(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "revoke":
        return provider_revoke(actor=actor, bureau=bureau, reason=reason, **subject)
    if action == "blacklist":
        raise ValidationError({"action": _(
            "A blacklisting is proposed, with reasons and evidence, and takes effect when "
            "the provincial bureau confirms it: use the blacklist proposal form.")})
    raise ValidationError({"action": _("Unknown sanction.")})
