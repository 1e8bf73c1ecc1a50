"""The roster of an engagement: who may come into the school under it (人员名单).

The school puts a person on the roster at once. The provider proposes its own people
(the organization's staff, or the individual engaged), and the school accepts each
proposal. Either side takes a person off. Every person is judged by the same coverage
check (``roster_approval_for``: a valid individual approval covering the engagement's
category, grades and dates), refused by name, when added and again when accepted.

While the engagement is a draft the papers are not signed yet: changes need no reason. Once
signed or active, a change is told to the other side, and an entry permit follows the row:
a person accepted gets one at once (a new row, a new token), a person taken off loses theirs
at once (the old token answers *revoked*). A suspended engagement takes removals only; an
ended or terminated one is history.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Engagement, Person, RosterMember
from registry.notifications import notify
from registry.selectors.contracts import NOT_APPROVED
from registry.selectors.sanctions import users_acting_for
from registry.services.contracts import _locked, _provider_users, may_act_for_provider
from registry.services.core import audit_record
from registry.services.engagements import roster_approval_for

ADDING = (Engagement.Status.DRAFT, Engagement.Status.SIGNED, Engagement.Status.ACTIVE)
REMOVING = (*ADDING, Engagement.Status.SUSPENDED)


def _side(actor, engagement: Engagement) -> str:
    """``"school"`` or ``"provider"``: who ``actor`` speaks for here (the school first)."""
    if actor is not None and actor.has_perm("registry.act_for_school", engagement.school):
        return "school"
    if may_act_for_provider(actor, engagement):
        return "provider"
    raise PermissionDenied(_("You act neither for this engagement's school nor for its "
                             "provider."))


def _tell(engagement: Engagement, *, to: str, subject, body) -> None:
    users = (users_acting_for("school", "act_for_school", [engagement.school_id])
             if to == "school" else _provider_users(engagement))
    notify(users=users, subject=subject, body=body,
           url=reverse("registry:engagement-roster", args=[engagement.pk]),
           about=engagement.school if to == "school" else (engagement.organization
                                                           or engagement.person))


def _own_person(engagement: Engagement, person: Person) -> bool:
    if engagement.organization_id:
        return person.organization_id == engagement.organization_id
    return person.pk == engagement.person_id


def _words(engagement: Engagement, person: Person) -> dict:
    provider = (engagement.organization.name if engagement.organization_id
                else engagement.person.name)
    return {"name": person.name, "school": engagement.school.name, "provider": provider,
            "engagement": engagement.pk}


@transaction.atomic
def engagement_roster_add(*, actor, engagement: Engagement, person: Person) -> RosterMember:
    """Put ``person`` on the roster (the school), or propose them (the provider, one of its
    own people; the school then accepts). Refused by name unless they hold a valid
    individual approval covering the engagement (category, grades, dates); refused once the
    engagement is suspended, ended or terminated. After signing, the other side is told;
    a person the school adds to an active engagement has a permit at once."""
    side = _side(actor, engagement)
    locked = _locked(engagement)
    if locked.status not in ADDING:
        raise ValidationError(
            _("Nobody can be added to the roster of an engagement that is %(status)s."),
            code="roster_closed", params={"status": locked.get_status_display()})
    if side == "provider" and not _own_person(locked, person):
        # in the words of a number nobody holds (``person_by_reference``), by the number
        # typed: named, or refused otherwise, another provider's person would tell the
        # provider who is registered, and their name
        raise ValidationError({"roster": ValidationError(
            NOT_APPROVED, code="roster_not_approved",
            params={"number": getattr(person, "typed", person.pk)})})
    approval = roster_approval_for(engagement=locked, person=person)
    if RosterMember.objects.filter(engagement=locked, person=person,
                                   removed_at=None).exists():
        raise ValidationError({"roster": ValidationError(
            _("%(name)s is already on the roster."), code="roster_duplicate",
            params={"name": person.name})})
    now = timezone.now()
    accepted = side == "school"
    try:
        with transaction.atomic():
            member = RosterMember.objects.create(
                engagement=locked, person=person, approval=approval, added_by=actor,
                added_at=now, accepted_at=now if accepted else None,
                accepted_by=actor if accepted else None)
    except IntegrityError:  # the same person added at the same moment by the other side
        raise ValidationError({"roster": ValidationError(
            _("%(name)s is already on the roster."), code="roster_duplicate",
            params={"name": person.name})}) from None
    audit_record(actor=actor,
                 action="engagement.roster_add" if accepted else "engagement.roster_propose",
                 target=locked, to_state="accepted" if accepted else "proposed",
                 data={"person": person.pk, "approval": approval.pk, "member": member.pk,
                       "side": side})
    words = _words(locked, person)
    if not accepted:
        _tell(locked, to="school", subject=_("A roster proposal to accept"),
              body=_("%(provider)s proposes %(name)s for the roster of engagement "
                     "%(engagement)s: accept or decline it.") % words)
    elif locked.status != Engagement.Status.DRAFT:
        _tell(locked, to="provider", subject=_("The roster has changed"),
              body=_("%(school)s has put %(name)s on the roster of engagement "
                     "%(engagement)s.") % words)
    return member


@transaction.atomic
def engagement_roster_accept(*, actor, member: RosterMember) -> RosterMember:
    """The school accepts the provider's proposal: the person is on the roster (and, under
    an active engagement, has a permit at once). Judged again by the coverage check: an
    approval may have lapsed since the proposal."""
    engagement = member.engagement
    if _side(actor, engagement) != "school":
        raise PermissionDenied(_("Only the school accepts a person for its roster."))
    locked = _locked(engagement)
    row = RosterMember.objects.select_for_update(of=("self",)).select_related("person").get(
        pk=member.pk)
    if row.removed_at is not None or row.accepted_at is not None:
        raise ValidationError(_("This proposal has already been answered."),
                              code="roster_answered")
    if locked.status not in ADDING:
        raise ValidationError(
            _("Nobody can be added to the roster of an engagement that is %(status)s."),
            code="roster_closed", params={"status": locked.get_status_display()})
    approval = roster_approval_for(engagement=locked, person=row.person)
    row.approval, row.accepted_at, row.accepted_by = approval, timezone.now(), actor
    row.save(update_fields=["approval", "accepted_at", "accepted_by"])
    audit_record(actor=actor, action="engagement.roster_accept", target=locked,
                 from_state="proposed", to_state="accepted",
                 data={"person": row.person_id, "approval": approval.pk, "member": row.pk})
    _tell(locked, to="provider", subject=_("The roster has changed"),
          body=_("%(school)s has accepted %(name)s for the roster of engagement "
                 "%(engagement)s.") % _words(locked, row.person))
    return row


@transaction.atomic
def engagement_roster_remove(*, actor, member: RosterMember, reason: str = "") -> RosterMember:
    """Take a person off the roster (either side; the school declining a proposal, the
    provider withdrawing one). Their entry permit dies at once. Once the engagement is
    signed a reason is required and the other side is told. Taking off someone already off
    changes nothing."""
    engagement = member.engagement
    side = _side(actor, engagement)
    locked = _locked(engagement)
    # FOR UPDATE of the roster row only: its person is a plain join
    row = RosterMember.objects.select_for_update(of=("self",)).select_related("person").get(
        pk=member.pk)
    if row.removed_at is not None:
        return row
    if locked.status not in REMOVING:
        raise ValidationError(
            _("The roster of an engagement that is %(status)s is history: it no longer "
              "changes."), code="roster_closed", params={"status": locked.get_status_display()})
    reason = (reason or "").strip()
    if locked.status != Engagement.Status.DRAFT and not reason:
        raise ValidationError({"reason": _("Give a reason: the engagement is signed, and "
                                           "the other side is told.")})
    previous = "proposed" if row.accepted_at is None else "accepted"
    row.removed_at, row.removed_by = timezone.now(), actor
    row.save(update_fields=["removed_at", "removed_by"])
    audit_record(actor=actor, action="engagement.roster_remove", target=locked,
                 from_state=previous, to_state="removed", reason=reason,
                 data={"person": row.person_id, "member": row.pk, "side": side})
    if locked.status != Engagement.Status.DRAFT or previous == "proposed":
        other = "provider" if side == "school" else "school"
        words = {**_words(locked, row.person), "reason": reason or "—"}
        _tell(locked, to=other, subject=_("The roster has changed"),
              body=_("%(name)s is off the roster of engagement %(engagement)s (%(school)s, "
                     "%(provider)s); their entry permit no longer lets them in. Reason: "
                     "%(reason)s") % words)
    return row


__all__ = ["engagement_roster_accept", "engagement_roster_add", "engagement_roster_remove"]
