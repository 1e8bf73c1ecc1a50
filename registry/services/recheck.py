"""The re-check (复查) of a record hit: the person asks once, with a statement and
evidence; a clerk or administrator of the bureau who neither recorded the hit nor
confirmed it decides, and everyone concerned is told (the person; once a confirmed bar
ends, their employer and the schools whose engagements it ended, none of them told why)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Blacklisting, BlacklistProposal, Engagement, RecheckRequest
from registry.notifications import notify
from registry.selectors.sanctions import bureau_staff, took_part_in_hit, users_acting_for
from registry.services.blacklist import (
    _evidence_store,
    _lock,
    _provider_users_of_person,
    _url,
    may_act_as_person,
)
from registry.services.core import _require_reason, audit_record
from registry.services.holds import record_hit_answered


@transaction.atomic
def recheck_request(*, actor, proposal: BlacklistProposal, statement: str,
                    evidence_files=()) -> RecheckRequest:
    """The person asks, once, for a re-check of a record hit, with a statement and
    evidence; the bureau's clerks and administrators are told."""
    proposal = _lock(proposal)
    if proposal.kind != BlacklistProposal.Kind.RECORD_HIT or not proposal.person_id or \
            not may_act_as_person(actor, proposal.person):
        raise PermissionDenied
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Say why the record should be checked again.")})
    if RecheckRequest.objects.filter(proposal=proposal).exists():
        raise ValidationError(_("You have already asked for a re-check of this record."),
                              code="already_asked")
    if proposal.status not in (BlacklistProposal.Status.PROPOSED,
                               BlacklistProposal.Status.CONFIRMED):
        raise ValidationError(_("This record hit no longer bars you: there is nothing to "
                                "re-check."))
    recheck = RecheckRequest.objects.create(proposal=proposal, statement=statement,
                                            requested_by=actor)
    files = _evidence_store(actor=actor, files=evidence_files, recheck=recheck)
    audit_record(actor=actor, action="blacklist.recheck_request", target=recheck,
                 to_state=recheck.status, reason=statement,
                 data={"proposal": proposal.pk, "evidence_files": len(files)})
    bureau = proposal.bureau
    notify(users=[*bureau_staff(bureau, "clerk_bureau"),
                  *bureau_staff(bureau, "administer_bureau")],
           subject=_("A re-check (复查) is waiting"),
           body=_("A person asks for a re-check of a record hit: see the queue."),
           url=_url("rechecks", bureau.pk), about=bureau)
    return recheck


@transaction.atomic
def recheck_decide(*, actor, recheck: RecheckRequest, outcome: str,
                   reason: str) -> RecheckRequest:
    """A clerk or administrator of the bureau who neither recorded the hit nor confirmed
    it decides the re-check: upheld (nothing changes) or lifted (the pending bar is
    dropped, or the blacklisting ends now; revoked approvals stay revoked)."""
    _require_reason(reason)
    recheck = (RecheckRequest.objects.select_for_update(of=("self",))
               .select_related("proposal").get(pk=recheck.pk))
    proposal = _lock(recheck.proposal)
    bureau = proposal.bureau
    if actor is None or not (actor.has_perm("registry.clerk_bureau", bureau)
                             or actor.has_perm("registry.administer_bureau", bureau)):
        raise PermissionDenied
    if took_part_in_hit(actor, proposal):
        raise PermissionDenied(_("Someone who neither recorded nor confirmed the record hit "
                                 "must re-check it."))
    if outcome not in (RecheckRequest.Status.UPHELD, RecheckRequest.Status.LIFTED):
        raise ValidationError({"outcome": _("Uphold or lift.")})
    previous = recheck.apply_transition(outcome)
    recheck.decided_by, recheck.decided_at = actor, timezone.now()
    recheck.decision_reason = reason.strip()
    recheck.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    ended = 0
    if outcome == RecheckRequest.Status.LIFTED:
        was = proposal.apply_transition(BlacklistProposal.Status.LIFTED)
        proposal.save(update_fields=["status"])
        ended = Blacklisting.objects.filter(proposal=proposal, lifted_at__isnull=True).update(
            lifted_at=timezone.now())
        audit_record(actor=actor, action="blacklist.lift", target=proposal, from_state=was,
                     to_state=proposal.status, reason=recheck.decision_reason,
                     data={"recheck": recheck.pk, "blacklisting_ended": bool(ended)})
        record_hit_answered(actor=actor, person=proposal.person, reason=recheck.decision_reason)
    audit_record(actor=actor, action="blacklist.recheck_decide", target=recheck,
                 from_state=previous, to_state=recheck.status, reason=recheck.decision_reason)
    person_users = [recheck.requested_by, *_provider_users_of_person(proposal.person)]
    notify(users=person_users,
           subject=_("Your re-check has been decided"),
           body=_("The education bureau has decided your re-check. Sign in to read it."),
           url=_url("my-sanctions"), about=bureau)
    # who recorded and who confirmed the hit learn the outcome (they may not decide it)
    notify(users=[proposal.proposed_by, proposal.decided_by],
           subject=_("A re-check (复查) has been decided: %(outcome)s")
           % {"outcome": recheck.get_status_display()},
           body=_("The re-check of a record hit you recorded or confirmed has been decided. "
                  "The outcome and its reason are in the re-check queue."),
           url=_url("rechecks", bureau.pk), about=bureau)
    if ended:
        _tell_bar_ended(proposal, already=person_users)
    return recheck


def _tell_bar_ended(proposal: BlacklistProposal, *, already) -> None:
    """A confirmed bar ended on re-check: the person's employer (whose approval of them
    the bar revoked) and the schools whose engagements with them it terminated learn that
    the person is no longer barred, and what that means for them; never why (the record
    is the person's and the bureau's only)."""
    person = proposal.person
    words = {"person": person.name}
    headline = _("%(person)s is no longer barred by the education bureau") % words
    told = {user.pk for user in already if user is not None}
    if person.organization_id:
        notify(users=[u for u in users_acting_for("organization", "act_for_organization",
                                                  [person.organization_id])
                      if u.pk not in told],
               subject=headline,
               body=_("%(person)s is no longer barred. The approval revoked earlier stays "
                      "revoked: for %(person)s to serve again, apply for a new vetting.")
               % words,
               url=reverse("registry:portal-person", args=[person.pk]), about=person)
    schools = set(Engagement.objects.filter(
        person=person, status=Engagement.Status.TERMINATED,
        status_changed_at__gte=proposal.decided_at).values_list("school_id", flat=True))
    if schools:
        notify(users=users_acting_for("school", "act_for_school", schools), subject=headline,
               body=_("%(person)s is no longer barred. The engagements ended by the earlier "
                      "revocation stay ended; once %(person)s is approved again, you may "
                      "engage them through the search.") % words,
               url=reverse("registry:school-engagements"), about=person)
