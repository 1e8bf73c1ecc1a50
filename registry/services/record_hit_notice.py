"""Written notice (书面告知) of a record hit to a person the registry cannot reach: nobody
with an account can be told electronically (``registry.selectors.record_hit_notice.
record_hit_reach``): no account of their own, nobody acting for them, and no organization,
or one with nobody (administrator or provider user) to ask to invite them. Only they may
ask for the re-check (复查), so the bureau's administrators, who handle the hit on the
blacklist proposals page, are asked to tell them in writing and to record that they did."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import AuditAction, BlacklistProposal, Bureau
from registry.notifications import notify
from registry.selectors.record_hit_notice import may_tell_record_hit
from registry.selectors.sanctions import bureau_staff
from registry.services.core import audit_record

# how the written notice reached the person
WAYS = {
    "in_person": gettext_lazy("Handed to the person at the bureau"),
    "post": gettext_lazy("Sent by registered post"),
    "other": gettext_lazy("Another way (say which)"),
}

_OPEN = (BlacklistProposal.Status.PROPOSED, BlacklistProposal.Status.CONFIRMED)


@transaction.atomic
def record_hit_notice_ask(*, bureau: Bureau, proposal: BlacklistProposal) -> None:
    """Ask the administrators of ``bureau`` (those told the hit waits for their
    confirmation) to tell its person in writing: the registry has nobody to tell. Neither
    the person nor the record is named in the message; both are on the page."""
    notify(users=bureau_staff(bureau, "administer_bureau"),
           subject=_("A person with a record hit must be told in writing"),
           body=_("The person of a record hit has no account of their own and no "
                  "organization (or nobody with an account acts for it): the registry cannot "
                  "tell them. Tell them in writing (书面告知) what the hit means and that they "
                  "may ask for a re-check (复查), then record on the page when and how they "
                  "were told."),
           url=reverse("registry:blacklist-proposals", args=[bureau.pk])
           + f"#notice-{proposal.pk}", about=bureau)


@transaction.atomic
def record_hit_person_told(*, actor, proposal: BlacklistProposal, told_on: datetime.date,
                           way: str, note: str = "") -> BlacklistProposal:
    """Record that the person of a record hit pending or confirmed was told in writing of
    it and of their right to a re-check, on ``told_on`` (not before the hit, not in the
    future), ``way`` being one of :data:`WAYS` ("other" says which in ``note``). Only an
    administrator of the hit's bureau may; each telling is audited (a letter sent again
    after one came back is a second event)."""
    proposal = (BlacklistProposal.objects.select_for_update(of=("self",))
                .select_related("bureau", "person").get(pk=proposal.pk))
    if not may_tell_record_hit(actor, proposal):
        raise PermissionDenied(_("Only an administrator of the bureau that recorded the hit "
                                 "may record that the person was told."))
    if proposal.status not in _OPEN:
        raise ValidationError(_("This record hit no longer bars the person: there is nothing "
                                "to tell them."))
    note = (note or "").strip()
    errors = {}
    if way not in WAYS:
        errors["way"] = _("Say how the person was told.")
    elif way == "other" and not note:
        errors["note"] = _("Say how the person was told.")
    if told_on is None:
        errors["told_on"] = _("Enter the date the person was told.")
    elif told_on > timezone.localdate():
        errors["told_on"] = _("The date the person was told cannot be in the future.")
    elif told_on < timezone.localdate(proposal.proposed_at):
        errors["told_on"] = _("The person cannot have been told before the hit was recorded.")
    if errors:
        raise ValidationError(errors)
    audit_record(actor=actor, action=AuditAction.BLACKLIST_RECORD_HIT_TOLD, target=proposal,
                 reason=note, data={"told_on": told_on.isoformat(), "way": way,
                                    "person": proposal.person_id})
    return proposal
