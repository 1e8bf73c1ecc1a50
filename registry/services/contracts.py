"""An engagement as a contract: its roster, its status (signed by both sides' papers,
activated by the school, suspended or terminated by the bureau), the lessons the provider
records and the school confirms, and the school's term plan (一校一案)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from registry.expiry import expired_on
from registry.formatting import local_date
from registry.models import (
    Approval,
    Bureau,
    Engagement,
    Lesson,
    Person,
    RosterMember,
    SchoolTerm,
    ServiceCategory,
    TermNeed,
    TermSlot,
)
from registry.notifications import notify
from registry.selectors.sanctions import users_acting_for
from registry.selectors.search import school_jurisdiction_ids
from registry.services.core import audit_record


def _require_school(actor, school) -> None:
    if actor is None or not actor.has_perm("registry.act_for_school", school):
        raise PermissionDenied(_("You do not act for this school."))


def may_act_for_provider(actor, engagement: Engagement) -> bool:
    """Whether ``actor`` speaks for the engagement's provider (the organization, or the
    individual engaged)."""
    if actor is None or not actor.is_authenticated:
        return False
    if engagement.organization_id:
        return actor.has_perm("registry.act_for_organization", engagement.organization)
    person = engagement.person
    return person.user_id == actor.pk or actor.has_perm("registry.act_for_person", person)


def _provider_users(engagement: Engagement) -> list:
    """Who speaks for the engagement's provider (:func:`may_act_for_provider`): the users
    of the organization, or the individual and those acting for them."""
    if engagement.organization_id:
        return users_acting_for("organization", "act_for_organization",
                                [engagement.organization_id])
    person = engagement.person
    users = users_acting_for("person", "act_for_person", [person.pk])
    return [*users, person.user] if person.user_id else users


def _require_provider(actor, engagement: Engagement) -> None:
    if not may_act_for_provider(actor, engagement):
        raise PermissionDenied(_("You do not act for this engagement's provider."))


def _locked(engagement: Engagement) -> Engagement:
    return Engagement.objects.select_for_update(of=("self",)).select_related(
        "school__county__parent__parent", "offering__category", "category").get(
        pk=engagement.pk)


def _move(*, actor, engagement: Engagement, to: str | None, reason: str = "",
          action: str, data: dict | None = None) -> Engagement:
    """``to=None``: back to where a suspension found it (the model's rule for lifting)."""
    locked = _locked(engagement)
    previous = locked.apply_transition(
        to or locked.status_before_suspension or Engagement.Status.ACTIVE)
    locked.save(update_fields=["status", "status_before_suspension", "status_changed_at"])
    audit_record(actor=actor, action=action, target=locked, from_state=previous,
                 to_state=locked.status, reason=reason, data=data or {})
    engagement.status, engagement.status_changed_at = locked.status, locked.status_changed_at
    return locked


# --- status --------------------------------------------------------------------------

@transaction.atomic
def engagement_sign(*, actor, engagement: Engagement) -> Engagement:
    """Draft → signed, once both sides' signed papers are in (``documents`` calls this
    when the last one arrives) and the roster names someone."""
    if not RosterMember.objects.filter(engagement=engagement, removed_at=None,
                                       accepted_at__isnull=False).exists():
        raise ValidationError(_("Name at least one person on the roster before signing."),
                              code="roster_empty")
    return _move(actor=actor, engagement=engagement, to=Engagement.Status.SIGNED,
                 action="engagement.sign")


@transaction.atomic
def engagement_activate(*, actor, engagement: Engagement) -> Engagement:
    """Signed → active: the school lets the roster in. The provider's approval must still
    be in force."""
    _require_school(actor, engagement.school)
    if not engagement.approval.is_valid_on():
        raise ValidationError(_("The provider's approval is no longer in force."),
                              code="approval_lapsed")
    return _move(actor=actor, engagement=engagement, to=Engagement.Status.ACTIVE,
                 action="engagement.activate")


@transaction.atomic
def engagement_end(*, actor, engagement: Engagement, reason: str = "") -> Engagement:
    """Active or suspended → ended (the term is over, or the school ends it). The provider
    is told, with the school's reason if it gave one: its people stop coming in under the
    contract, and it learns it from the registry rather than at the gate. The notice is in
    the site's language (the users' own is not kept): not the school user's, whose page
    may be in English."""
    _require_school(actor, engagement.school)
    reason = (reason or "").strip()
    told = _provider_users(engagement)
    ended = _move(actor=actor, engagement=engagement, to=Engagement.Status.ENDED,
                  reason=reason, action="engagement.end",
                  data={"told": sorted({u.pk for u in told})})
    words = {"school": ended.school.name, "engagement": ended.pk,
             "provider": (engagement.organization or engagement.person).name,
             "reason": reason}
    with translation.override(settings.LANGUAGE_CODE):
        body = (_("%(school)s has ended engagement %(engagement)s (%(provider)s): nobody "
                  "comes into the school under it any more, and no more lessons are "
                  "recorded on it. Reason: %(reason)s") if reason else
                _("%(school)s has ended engagement %(engagement)s (%(provider)s): nobody "
                  "comes into the school under it any more, and no more lessons are "
                  "recorded on it.")) % words
        notify(users=told, subject=_("A school has ended your engagement"), body=body,
               url=reverse("registry:engagement-detail", args=[ended.pk]),
               about=engagement.organization or engagement.person)
    return ended


def _require_bureau_over(actor, bureau: Bureau, engagement: Engagement, reason: str) -> None:
    if actor is None or not actor.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied(_("Only an administrator of this bureau may do this."))
    if bureau.jurisdiction_id not in school_jurisdiction_ids(engagement.school):
        raise PermissionDenied(_("This school is outside the bureau's jurisdiction."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason; it is recorded in the audit trail.")})


@transaction.atomic
def engagement_suspend(*, actor, bureau: Bureau, engagement: Engagement,
                       reason: str) -> Engagement:
    """A sanction suspends the engagement: nobody on it enters the school until restored."""
    _require_bureau_over(actor, bureau, engagement, reason)
    return _move(actor=actor, engagement=engagement, to=Engagement.Status.SUSPENDED,
                 reason=reason, action="engagement.suspend")


@transaction.atomic
def engagement_restore(*, actor, bureau: Bureau, engagement: Engagement,
                       reason: str) -> Engagement:
    """Suspended → back to the status it had (the sanction is lifted); only while the
    approval it rests on is in force (a suspended provider's engagement stays suspended)."""
    _require_bureau_over(actor, bureau, engagement, reason)
    if not Approval.objects.valid_on(timezone.localdate()).filter(
            pk=engagement.approval_id).exists():
        raise ValidationError(
            _("The provider's approval is not in force: the engagement can be restored "
              "only once it is."), code="approval_not_in_force")
    return _move(actor=actor, engagement=engagement, to=None,
                 reason=reason, action="engagement.restore")


@transaction.atomic
def engagement_terminate(*, actor, bureau: Bureau, engagement: Engagement,
                         reason: str) -> Engagement:
    """A sanction ends the engagement for good."""
    _require_bureau_over(actor, bureau, engagement, reason)
    return _move(actor=actor, engagement=engagement, to=Engagement.Status.TERMINATED,
                 reason=reason, action="engagement.terminate")


# --- lessons (据实结算) -----------------------------------------------------------------

def _in_force_on(approval: Approval, day: datetime.date) -> bool:
    """Whether ``approval`` was in force on ``day``: valid that day (``is_valid_on``), or
    within its term then and changed away from approved only after that day."""
    if approval.is_valid_on(day):
        return True
    return (approval.valid_from is not None and approval.valid_from <= day
            and not expired_on(approval.valid_until, day)
            and day < timezone.localdate(approval.status_changed_at))


@transaction.atomic
def lesson_record(*, actor, engagement: Engagement, taught_on: datetime.date, period: int,
                  teacher: Person, pupils_present: int) -> Lesson:
    """The provider records a lesson given. Refused unless the engagement is active, the
    date lies within it and is not in the future, and the teacher is on its roster."""
    _require_provider(actor, engagement)
    locked = _locked(engagement)
    if locked.status != Engagement.Status.ACTIVE:
        raise ValidationError(_("Lessons are recorded only under an active engagement."),
                              code="not_active")
    if taught_on is None or not locked.starts_on <= taught_on <= locked.ends_on:
        raise ValidationError({"taught_on": _("The lesson's date lies outside the "
                                              "engagement.")})
    if taught_on > timezone.localdate():
        raise ValidationError({"taught_on": _("A lesson cannot be in the future.")})
    if period is None or not 1 <= int(period) <= 3:
        raise ValidationError({"period": _("The period is 1, 2 or 3.")})
    if pupils_present is None or int(pupils_present) < 0:
        raise ValidationError({"pupils_present": _("Pupils present cannot be negative.")})
    member = (RosterMember.objects.filter(engagement=locked, person=teacher, removed_at=None,
                                          accepted_at__isnull=False)
              .select_related("approval").first())
    if member is None:
        raise ValidationError({"teacher": ValidationError(
            _("%(name)s is not on this engagement's roster and may not teach under it."),
            code="off_roster", params={"name": getattr(teacher, "name", "?")})})
    if not _in_force_on(member.approval, taught_on):
        # the permit said so at the gate: nobody suspended, revoked or expired may teach
        raise ValidationError({"teacher": ValidationError(
            _("%(name)s's approval was not in force on %(date)s (suspended, revoked or "
              "ended): a lesson taught by them cannot be recorded."),
            code="teacher_not_in_force",
            params={"name": teacher.name, "date": local_date(taught_on)})})
    if Lesson.objects.filter(engagement=locked, taught_on=taught_on, period=period).exists():
        raise ValidationError(_("A lesson is already recorded for that date and period."),
                              code="lesson_duplicate")
    try:
        with transaction.atomic():
            lesson = Lesson.objects.create(engagement=locked, taught_on=taught_on,
                                           period=int(period), teacher=member,
                                           pupils_present=int(pupils_present),
                                           recorded_by=actor)
    except IntegrityError:
        raise ValidationError(_("A lesson is already recorded for that date and period."),
                              code="lesson_duplicate") from None
    audit_record(actor=actor, action="lesson.record", target=lesson,
                 to_state=lesson.status, data={"engagement": locked.pk,
                                                "teacher": teacher.pk})
    return lesson


@transaction.atomic
def lesson_decide(*, actor, lesson: Lesson, confirm: bool, reason: str = "") -> Lesson:
    """The school confirms a lesson, or disputes it with a reason."""
    _require_school(actor, lesson.engagement.school)
    if not confirm and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you dispute the lesson.")})
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    previous = locked.apply_transition(Lesson.Status.CONFIRMED if confirm
                                       else Lesson.Status.DISPUTED)
    locked.dispute_reason = "" if confirm else reason.strip()
    locked.save(update_fields=["status", "dispute_reason"])
    audit_record(actor=actor, action="lesson.confirm" if confirm else "lesson.dispute",
                 target=locked, from_state=previous, to_state=locked.status, reason=reason)
    return locked


# --- the term plan (一校一案) ------------------------------------------------------------

@transaction.atomic
def term_slot_add(*, actor, term: SchoolTerm, weekday: int, period: int) -> TermSlot:
    """Add a time slot (weekday × period) to the school's term plan."""
    _require_school(actor, term.school)
    if not 1 <= int(weekday) <= 7:
        raise ValidationError({"weekday": _("The weekday is 1 (Monday) to 7 (Sunday).")})
    if not 1 <= int(period) <= 3:
        raise ValidationError({"period": _("The period is 1, 2 or 3.")})
    slot, created = TermSlot.objects.get_or_create(term=term, weekday=weekday, period=period)
    if created:
        audit_record(actor=actor, action="term.slot_add", target=term,
                     data={"weekday": int(weekday), "period": int(period)})
    return slot


@transaction.atomic
def term_need_add(*, actor, term: SchoolTerm, category: ServiceCategory, grade_min: int,
                  grade_max: int, places: int, budget_per_session: Decimal,
                  slots=()) -> TermNeed:
    """Add a need to the term plan: category × grades × slots × places, with a budget."""
    _require_school(actor, term.school)
    if not 1 <= int(grade_min) <= int(grade_max) <= 9:
        raise ValidationError({"grade_max": _("Grades run from 1 to 9, lowest first.")})
    if int(places) < 1:
        raise ValidationError({"places": _("At least one place.")})
    if Decimal(budget_per_session) < 0:
        raise ValidationError({"budget_per_session": _("The budget cannot be negative.")})
    slots = list(slots)
    if any(slot.term_id != term.pk for slot in slots):
        raise ValidationError({"slots": _("A time slot of another term.")})
    need = TermNeed.objects.create(term=term, category=category, grade_min=grade_min,
                                   grade_max=grade_max, places=places,
                                   budget_per_session=budget_per_session)
    need.slots.set(slots)
    audit_record(actor=actor, action="term.need_add", target=term,
                 data={"need": need.pk, "category": category.code, "places": int(places)})
    return need
