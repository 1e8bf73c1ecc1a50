"""Suspending and reinstating an approval, cause by cause (:mod:`registry.models.holds`).

Whoever suspends names the cause it holds the approval for; whoever reinstates names the
causes it answers. The approval comes back in force only when no other cause holds it and
its provider is not blacklisted: otherwise the answered causes are lifted, the approval
stays suspended, and the caller reads why from :func:`approval_held_by`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Approval, ApprovalHold
from registry.selectors.consent import data_consent_withdrawn
from registry.selectors.sanctions import is_blacklisted
from registry.services.core import _require_reason, approval_transition, audit_record
from registry.services.sanction_reach import sanction_fan_out

Cause = ApprovalHold.Cause
BLACKLIST = "blacklist"  # not a hold row: read from the blacklist itself, as it stands

# Causes the registry cannot see itself: an expired credential is the documents' and the
# re-certification's (workflows). Before an approval comes back in force, each check
# registered here (``workflows.apps``) is asked ``check(approval)`` and returns
# ``{cause: reason}`` for what holds it now, acting on it as it must (opening the
# re-certification case); those causes are held, unless the caller is answering them.
_hold_checks: list[Callable[[Approval], dict]] = []


def approval_hold_check_register(check: Callable[[Approval], dict]) -> None:
    """Add ``check`` to what is asked before an approval comes back in force (once)."""
    if check not in _hold_checks:
        _hold_checks.append(check)


def _consent_withdrawn(approval: Approval) -> bool:
    """Whether the person of ``approval`` has withdrawn their separate consent to holding
    their ID number (and not given it again): then nothing answers :attr:`Cause.CONSENT`."""
    return approval.person_id is not None and data_consent_withdrawn(approval.person)


def approval_held_by(approval: Approval) -> list[str]:
    """What keeps ``approval`` out of service: its open holds' causes, ``consent`` while
    its person's separate consent is withdrawn (held or not), and ``blacklist`` when its
    provider is barred."""
    causes = list(ApprovalHold.objects.filter(approval=approval, lifted_at__isnull=True)
                  .order_by("placed_at", "pk").values_list("cause", flat=True))
    if Cause.CONSENT not in causes and _consent_withdrawn(approval):
        causes.append(Cause.CONSENT)
    subject = approval.subject
    if is_blacklisted(uscc=getattr(subject, "uscc", None),
                      id_number=getattr(subject, "id_number", None)):
        causes.append(BLACKLIST)
    return causes


def held_by_label(causes: Iterable[str]) -> str:
    """The causes as the provider and the bureau read them, joined by 、."""
    labels = {**dict(Cause.choices), BLACKLIST: _("the provider is on the blacklist")}
    return "、".join(str(labels[c]) for c in causes)


@transaction.atomic
def approval_suspend(*, actor, approval: Approval, reason: str,
                     cause: str = Cause.SANCTION) -> Approval:
    """Take an approval out of service for ``cause`` (expired credential, sanction…).

    An approved one becomes suspended; a suspended one stays so and is held for this cause
    too, so that answering its other cause does not put it back in force. Anything else
    raises ``InvalidTransition``. Returns the approval, locked."""
    _require_reason(reason)
    locked = Approval.objects.select_for_update().get(pk=approval.pk)
    if locked.status != Approval.Status.SUSPENDED:  # one event: the suspension, its cause
        locked = approval_transition(actor=actor, approval=approval,
                                     to=Approval.Status.SUSPENDED, reason=reason,
                                     data={"cause": str(cause)})
        ApprovalHold.objects.get_or_create(  # (one left open by a status set by hand)
            approval=locked, cause=cause, lifted_at=None, defaults={"reason": reason.strip()})
        return locked
    _place(actor, locked, cause, reason)
    approval.refresh_from_db()
    return locked


def _place(actor, locked: Approval, cause: str, reason: str) -> None:
    """Hold the suspended ``locked`` for ``cause`` too (once; audited)."""
    _, placed = ApprovalHold.objects.get_or_create(
        approval=locked, cause=cause, lifted_at=None, defaults={"reason": reason.strip()})
    if placed:
        audit_record(actor=actor, action="approval.hold", target=locked,
                     from_state=locked.status, to_state=locked.status, reason=reason,
                     data={"cause": str(cause)})


@transaction.atomic
def approval_reinstate(*, actor, approval: Approval, reason: str,
                       causes: Iterable[str] = (Cause.SANCTION,),
                       valid_until: datetime.date | None = None) -> Approval:
    """Answer ``causes`` of a suspended approval: their holds are lifted, and the approval
    is back in service unless another cause still holds it or its provider is blacklisted
    (then it stays suspended: :func:`approval_held_by` says why). ``valid_until`` (a
    renewal's new end) is set either way. Returns the approval, locked."""
    _require_reason(reason)
    locked = Approval.objects.select_for_update().get(pk=approval.pk)
    if locked.status != Approval.Status.SUSPENDED:  # the transition map refuses it
        return approval_transition(actor=actor, approval=approval,
                                   to=Approval.Status.APPROVED, reason=reason)
    causes = [str(c) for c in causes]
    if Cause.CONSENT in causes and _consent_withdrawn(locked):
        # only the person's consent, given again, answers its withdrawal: the hold stays
        causes.remove(Cause.CONSENT)
    answered = ApprovalHold.objects.filter(approval=locked, lifted_at__isnull=True,
                                           cause__in=causes)
    lifted = list(answered.values_list("cause", flat=True))
    answered.update(lifted_at=timezone.now())
    for check in _hold_checks:  # what arose meanwhile (a credential expired while held)
        for cause, why in check(locked).items():
            if cause not in causes:
                _place(actor, locked, cause, why)
    remaining = approval_held_by(locked)
    if not remaining:  # one event: back in force, with what it answered
        return approval_transition(actor=actor, approval=approval,
                                   to=Approval.Status.APPROVED, reason=reason,
                                   valid_until=valid_until, data={"lifted": lifted})
    audit_record(actor=actor, action="approval.hold_lift", target=locked,
                 from_state=locked.status, to_state=locked.status, reason=reason,
                 data={"lifted": lifted, "remaining": remaining})
    if valid_until is not None:  # the renewal's end holds for when it comes back
        if locked.valid_from and valid_until < locked.valid_from:
            raise ValidationError({"valid_until": _("The end of validity is before its "
                                                    "start.")})
        locked.valid_until = valid_until
        locked.save(update_fields=["valid_until"])
    approval.refresh_from_db()
    return locked


@transaction.atomic
def record_hit_answered(*, actor, person, reason: str) -> list[Approval]:
    """A record hit the bureau did not confirm (the bar refused, or lifted on re-check
    before it was confirmed): the person's approvals held for it are released, back in
    force where nothing else holds them, and their schools told. Returns those."""
    held = (Approval.objects.filter(person=person, status=Approval.Status.SUSPENDED,
                                    holds__cause=Cause.RECORD_HIT,
                                    holds__lifted_at__isnull=True)
            .distinct().order_by("pk"))
    back = [approval for approval in (
        approval_reinstate(actor=actor, approval=approval, reason=reason,
                           causes=[Cause.RECORD_HIT]) for approval in held)
        if approval.status == Approval.Status.APPROVED]
    sanction_fan_out(actor=actor, approvals=back, action="restore", reason=reason)
    return back
