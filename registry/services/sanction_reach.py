"""A sanction reaches everyone concerned, the same day.

When a provider's approvals are suspended, revoked or reinstated, the engagements that
rest on them follow (suspended, terminated, restored) and three groups are told in the
same transaction: the provider's own users, the people on its roster who have an account,
and the users of every school with an engagement resting on those approvals.

Everything here is set-based: one fan-out issues the same number of queries for one
engagement as for a thousand (``bench.probes sanction_fanout`` measures it).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Approval, Engagement, Person
from registry.notifications import notify
from registry.selectors.sanctions import holders_of_person, users_acting_for
from registry.services.core import audit_event, audit_record_many

SUSPEND, TERMINATE, RESTORE = "suspend", "terminate", "restore"
# the approval ran out (a renewal that never came): its engagements end as on a revocation,
# told in words that do not say "revoked"
EXPIRE = "expire"
# the person withdrew their separate consent (no sanction): their engagements are suspended
# as on a suspension, told in words that do not blame the bureau
CONSENT = "consent"
# the calendar suspended it: a credential it rests on expired unrenewed (no sanction, nothing
# to answer); its engagements are suspended as on a suspension, told what lapsed
CREDENTIAL = "credential"


@transaction.atomic
def engagements_status_set(*, actor, engagements, to: str, reason: str) -> list[int]:
    """Move every engagement of the queryset ``engagements`` that the model's transition map
    allows to ``to`` (restore: back to the status it had before its suspension), with one
    audit event each; returns the ids changed. A fixed number of queries for any number of
    rows: rows are locked in primary-key order, then changed by one UPDATE per source
    status.

    ``registry.services.contracts``' engagement_suspend/terminate/restore act on one
    engagement; this is their set-based twin and must keep the same map (it reads it from
    ``Engagement.TRANSITIONS``)."""
    now = timezone.now()
    if to == RESTORE:
        rows = engagements.filter(status=Engagement.Status.SUSPENDED)
    else:
        target = Engagement.Status.SUSPENDED if to == SUSPEND else Engagement.Status.TERMINATED
        sources = [s for s in Engagement.transition_sources(target)
                   if s in (*Engagement.LIVE_STATUSES, Engagement.Status.SUSPENDED)]
        rows = engagements.filter(status__in=sources)
    locked = list(rows.select_for_update(of=("self",))
                  .select_related("school", "term", "organization", "person")
                  .order_by("pk"))
    if not locked:
        return []
    ids = [e.pk for e in locked]
    changed = Engagement.objects.filter(pk__in=ids)
    if to == RESTORE:
        # back where each one was: the map allows SUSPENDED -> its previous live status
        changed.update(status=F("status_before_suspension"), status_before_suspension="",
                       status_changed_at=now)
    elif to == SUSPEND:
        changed.exclude(status=Engagement.Status.SUSPENDED).update(
            status_before_suspension=F("status"), status=Engagement.Status.SUSPENDED,
            status_changed_at=now)
    else:
        changed.update(status=Engagement.Status.TERMINATED, status_before_suspension="",
                       status_changed_at=now)
    new_status = {SUSPEND: Engagement.Status.SUSPENDED, TERMINATE: Engagement.Status.TERMINATED}
    audit_record_many([
        audit_event(actor=actor, action=f"engagement.{to}", target=e, from_state=e.status,
                    to_state=new_status.get(to) or e.status_before_suspension, reason=reason)
        for e in locked if not (to == SUSPEND and e.status == Engagement.Status.SUSPENDED)])
    return ids


@transaction.atomic
def sanction_fan_out(*, actor, approvals: list[Approval], action: str,
                     reason: str) -> dict:
    """The consequences of suspending (``suspend``), revoking (``terminate``), letting
    expire (``expire``), suspending on the person's withdrawal of consent (``consent``) or
    on an expired credential (``credential``), or reinstating (``restore``) ``approvals``
    (all of one provider):
    their live engagements follow (an expiry terminates them), and the provider's users,
    its roster and the schools concerned are told now.
    Returns what was done (ids of engagements changed, how many users were told)."""
    if not approvals:
        return {"engagements": [], "told": 0}
    approval_ids = [a.pk for a in approvals]
    first = approvals[0]
    subject = first.organization if first.organization_id else first.person
    today = timezone.localdate()
    engagements = Engagement.objects.filter(approval_id__in=approval_ids, ends_on__gte=today)
    changed = engagements_status_set(actor=actor, engagements=engagements,
                                     to={EXPIRE: TERMINATE, CONSENT: SUSPEND,
                                         CREDENTIAL: SUSPEND}.get(action, action),
                                     reason=reason)
    school_ids = set(Engagement.objects.filter(pk__in=changed).values_list("school_id",
                                                                           flat=True))
    provider_users, employer_users = _told_of(subject)
    school_users = users_acting_for("school", "act_for_school", school_ids)
    words = {"provider": subject.name, "count": len(changed), "reason": reason}
    headline = {
        SUSPEND: _("%(provider)s is suspended by the education bureau"),
        TERMINATE: _("%(provider)s's approval is revoked by the education bureau"),
        RESTORE: _("%(provider)s's suspension is lifted"),
        EXPIRE: _("%(provider)s's approval has expired"),
        CONSENT: _("%(provider)s's approval is suspended: consent withdrawn"),
        CREDENTIAL: _("%(provider)s's approval is suspended: a credential has expired"),
    }[action] % words
    provider_body = {
        SUSPEND: _("Your approval is suspended: you may not start or continue teaching in "
                   "schools until it is lifted (%(count)d engagements are suspended). The "
                   "reasons and how to answer are on your page."),
        TERMINATE: _("Your approval is revoked: %(count)d engagements are terminated. The "
                     "reasons are on your page."),
        RESTORE: _("Your approval is back in force: %(count)d engagements are restored."),
        EXPIRE: _("Your approval has expired: %(count)d engagements are terminated. A new "
                  "application is needed to serve again."),
        CONSENT: _("The separate consent to the registry holding %(provider)s's ID number "
                   "is withdrawn: the approval is suspended and %(count)d engagements are "
                   "suspended. Consent may be given again on the person's privacy page; "
                   "the education bureau then decides whether to resume the approval."),
        CREDENTIAL: _("Your approval is suspended (%(reason)s): you may not start or "
                      "continue teaching in schools until the education bureau has verified "
                      "the renewal (%(count)d engagements are suspended). What to renew, and "
                      "by when, is on your page."),
    }[action] % words
    school_body = {
        SUSPEND: _("%(count)d of your engagements with %(provider)s are suspended: the "
                   "provider's staff may not teach or enter the school until it is lifted. "
                   "Arrange cover for the sessions affected; you will be told when the "
                   "suspension ends."),
        TERMINATE: _("%(count)d of your engagements with %(provider)s are terminated: the "
                     "provider may no longer teach. Choose another approved provider "
                     "through the search."),
        RESTORE: _("%(count)d of your engagements with %(provider)s are restored: the "
                   "provider may teach again."),
        EXPIRE: _("%(count)d of your engagements with %(provider)s are terminated: its "
                  "approval has expired. Choose another approved provider through the "
                  "search."),
        CONSENT: _("%(count)d of your engagements with %(provider)s are suspended: the "
                   "person withdrew their consent to the registry holding their personal "
                   "data, so their approval is no longer in force and they may not teach or "
                   "enter the school. Arrange cover for the sessions affected; you will be "
                   "told if the approval is resumed."),
        CREDENTIAL: _("%(count)d of your engagements with %(provider)s are suspended: a "
                      "credential its approval rests on has expired and its renewal is not "
                      "verified yet, so its staff may not teach or enter the school. Arrange "
                      "cover for the sessions affected; you will be told when the approval "
                      "is back in force."),
    }[action] % words
    notify(users=provider_users, subject=headline, body=provider_body,
           url=_provider_page(subject), about=subject)
    if employer_users:  # a staff member's employer: of them, not "your approval"
        employer_body = {
            SUSPEND: _("The approval of %(provider)s, on your staff, is suspended: they may "
                       "not teach in schools under it until it is lifted (%(count)d "
                       "engagements are suspended). Arrange cover for the sessions "
                       "affected."),
            TERMINATE: _("The approval of %(provider)s, on your staff, is revoked: "
                         "%(count)d engagements are terminated."),
            RESTORE: _("The approval of %(provider)s, on your staff, is back in force: "
                       "%(count)d engagements are restored."),
            EXPIRE: _("The approval of %(provider)s, on your staff, has expired: %(count)d "
                      "engagements are terminated. A new application is needed for them to "
                      "serve again."),
            CREDENTIAL: _("The approval of %(provider)s, on your staff, is suspended "
                          "(%(reason)s): they may not teach in schools until the education "
                          "bureau has verified the renewal (%(count)d engagements are "
                          "suspended). Upload the renewal on their documents page."),
        }.get(action, provider_body) % words
        notify(users=employer_users, subject=headline, body=employer_body,
               url=reverse("registry:portal-person", args=[subject.pk]), about=subject)
    if school_users:
        notify(users=school_users, subject=headline, body=school_body,
               url=reverse("registry:school-engagements"), about=subject)
    return {"engagements": changed,
            "told": len({u.pk for u in [*provider_users, *employer_users, *school_users]})}


def _told_of(subject) -> tuple[list, list]:
    """Who is told of a sanction on ``subject`` as its own (an organization's users and
    roster; a person's own account and those acting for them), and, for a person on an
    organization's staff, the employer's provider users who are none of those: they are
    told of their staff member, in the third person, and sent to the staff member's page
    (the person's own page of sanctions is the person's)."""
    if not isinstance(subject, Person):
        return _provider_users(subject), []
    own = users_acting_for("person", "act_for_person", [subject.pk])
    if subject.user_id and subject.user.is_active:
        own.append(subject.user)
    own = list({user.pk: user for user in own}.values())
    employer = []
    if subject.organization_id:
        mine = {user.pk for user in own}
        employer = [user for user in users_acting_for(
            "organization", "act_for_organization", [subject.organization_id])
            if user.pk not in mine]
    return own, employer


def _provider_users(subject) -> list:
    """The provider's users, and the people on its roster (its staff) with an account;
    for a person, their own account, those acting for them and their employer's provider
    users (a staff member without an account is reached through the employer)."""
    if isinstance(subject, Person):
        return holders_of_person(subject)
    roster = list(Person.objects.filter(organization=subject, user__isnull=False,
                                        user__is_active=True).select_related("user"))
    return [*users_acting_for("organization", "act_for_organization", [subject.pk]),
            *(p.user for p in roster)]


# the same people, for the other services that tell a provider of a sanction's end
provider_users_and_roster = _provider_users


def _provider_page(subject) -> str:
    if isinstance(subject, Person):
        return reverse("registry:my-sanctions")
    return reverse("registry:portal-organization", args=[subject.pk])


__all__ = ["engagements_status_set", "provider_users_and_roster", "sanction_fan_out"]
