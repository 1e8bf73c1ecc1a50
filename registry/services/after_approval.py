"""After approval: the term and its 1+1 renewal, reminders before the term
ends, and the yearly record re-query (入职查询) of every person in service.

The calendar acts through ``registry.tasks`` (the beat schedule); each step is idempotent
(unique constraints and status checks), so a rerun or an overlapping run does nothing
twice, and its work per run is bounded by ``RECERT_SWEEP_BATCH``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.formatting import local_date
from registry.models import (
    Approval,
    ApprovalHold,
    Bureau,
    BureauCalendar,
    Engagement,
    RecordRequery,
    SchoolTerm,
    TermReminder,
)
from registry.notifications import Message, notify, notify_each
from registry.selectors.engagements import awaiting_rating
from registry.selectors.sanctions import (
    bureau_staff,
    holders_of_person,
    users_acting_for,
    users_acting_for_each,
)
from registry.services.availability import availability_refresh
from registry.services.blacklist import person_bar_for_record_hit
from registry.services.consent import REQUERY_CONSENT_LEAD, requery_consent_on_record
from registry.services.core import audit_record
from registry.services.holds import approval_reinstate, approval_suspend
from registry.services.renewal_term import (  # noqa: F401 - still importable from here
    approval_renewal_term,
    renewal_document_limit_register,
)
from registry.services.review_hooks import review_case_request
from registry.services.sanction_reach import sanction_fan_out
from registry.services.search import search_availability_refresh

QUERY_RESULTS = ("clear", "hit")


# --- the bureau's yearly dates ----------------------------------------------------------

def bureau_yearly_date(bureau: Bureau, which: str, year: int,
                       calendars: dict | None = None) -> datetime.date:
    """The day of ``year`` on which ``bureau`` does its ``which`` work (annual_review or
    requery): its own date if it set one, else the setting's."""
    if calendars is None:
        calendars = {c.bureau_id: c for c in BureauCalendar.objects.filter(bureau=bureau)}
    calendar = calendars.get(bureau.pk)
    month, day = (calendar.dates() if calendar else BureauCalendar.default_dates())[which]
    return datetime.date(year, month, day)


def bureaus_due(which: str, today: datetime.date, *, window_days: int) -> list[tuple]:
    """(bureau, date) for every bureau whose ``which`` date is in the ``window_days`` up
    to ``today``: a beat run that missed the day still opens the work, also across the new
    year (a date in late December, caught up in January, is last year's). Two queries,
    whatever the number of bureaus."""
    calendars = {c.bureau_id: c for c in BureauCalendar.objects.all()}
    due = []
    for bureau in Bureau.objects.select_related("jurisdiction").order_by("pk"):
        for year in (today.year, today.year - 1):
            day = bureau_yearly_date(bureau, which, year, calendars)
            if day <= today < day + datetime.timedelta(days=window_days):
                due.append((bureau, day))
                break
    return due


# --- term: reminders and the 1+1 renewal ------------------------------------------------

def _brackets(thresholds) -> list[tuple[int, int]]:
    """(threshold, lower bound): an approval with d days left gets the reminder of the
    smallest threshold ≥ d only, so a late run never sends a stale 60-day reminder."""
    ordered = sorted({int(t) for t in thresholds}, reverse=True)
    return [(t, ordered[i + 1] if i + 1 < len(ordered) else -1) for i, t in enumerate(ordered)]


def term_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind the provider and the schools engaging it that an approval's term ends in 60,
    30 and 7 days (``REGISTRY_TERM_REMINDER_DAYS``): each once per term end."""
    today = today or timezone.localdate()
    sent = 0
    for threshold, lower in _brackets(settings.REGISTRY_TERM_REMINDER_DAYS):
        due = (Approval.objects.filter(
            status=Approval.Status.APPROVED,
            valid_until__gt=today + datetime.timedelta(days=lower),
            valid_until__lte=today + datetime.timedelta(days=threshold))
            .exclude(Exists(TermReminder.objects.filter(
                approval=OuterRef("pk"), threshold_days=threshold,
                valid_until=OuterRef("valid_until"))))
            .select_related("organization", "person")
            .order_by("valid_until", "pk")[: settings.RECERT_SWEEP_BATCH])
        for approval in list(due):
            with transaction.atomic():
                _reminder, created = TermReminder.objects.get_or_create(
                    approval=approval, threshold_days=threshold,
                    valid_until=approval.valid_until)
                if created:
                    _term_reminder_notify(approval, today)
                    sent += 1
    return sent


def _term_reminder_notify(approval: Approval, today: datetime.date) -> None:
    subject = approval.subject
    renewable = approval.renewals < settings.REGISTRY_MAX_RENEWALS
    words = {"provider": subject.name, "date": local_date(approval.valid_until),
             "days": (approval.valid_until - today).days}
    next_step = (_("The annual review decides whether it is renewed for one more term.")
                 if renewable else
                 _("It has been renewed once already: a new selection is needed to continue."))
    headline = _("%(provider)s: the approval ends on %(date)s") % words
    notify(users=_provider_users(approval), subject=headline, about=subject,
           body=_("The approval ends in %(days)d days, on %(date)s.") % words + " " + next_step)
    school_ids = Engagement.objects.filter(
        approval=approval, status__in=Engagement.LIVE_STATUSES,
        ends_on__gte=today).values_list("school_id", flat=True)
    notify(users=users_acting_for("school", "act_for_school", set(school_ids)),
           subject=headline, about=subject,
           body=_("The approval of %(provider)s ends in %(days)d days, on %(date)s; plan the "
                  "engagements after it accordingly.") % words + " " + next_step)


def _provider_users(approval: Approval) -> list:
    if approval.organization_id:
        return users_acting_for("organization", "act_for_organization",
                                [approval.organization_id])
    return holders_of_person(approval.person)  # a staff member through their employer too


@transaction.atomic
def approval_renew(*, actor, approval: Approval, reason: str) -> Approval:
    """A positive annual review renews an approval in force for one more term, without a
    new selection, at most ``REGISTRY_MAX_RENEWALS`` times (1+1); after that a new
    selection is needed. The new term follows the old one without a gap, but never runs
    past the expiry of a required document (as an approval never does when granted):
    it stops on that day, and the provider is told which document to renew. A document
    that expires before the current term ends leaves nothing to renew: refused, naming
    it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    locked = Approval.objects.select_for_update().get(pk=approval.pk)
    if locked.status != Approval.Status.APPROVED or locked.valid_until is None:
        raise ValidationError(_("Only an approval in force can be renewed."),
                              code="not_in_force")
    if locked.renewals >= settings.REGISTRY_MAX_RENEWALS:
        raise ValidationError(
            _("This approval has already been renewed once (1+1): a new selection is "
              "needed."), code="renewed_already")
    previous = locked.valid_until
    # never past a document the approval rests on (as at approval: approval_end)
    term_end, limit = approval_renewal_term(locked)
    if limit is not None and limit[0] <= previous:
        raise ValidationError(
            _("%(document)s expires on %(date)s, before the approval's current term ends "
              "(%(end)s): the approval cannot be renewed past it. Upload the renewed "
              "document; once it is verified the approval can be renewed.") % {
                "document": limit[1], "date": local_date(limit[0]),
                "end": local_date(previous)}, code="document_expires")
    limited_by = limit if limit is not None and limit[0] < term_end else None
    locked.valid_until = limited_by[0] if limited_by else term_end
    locked.renewals += 1
    locked.save(update_fields=["valid_until", "renewals"])
    search_availability_refresh(approval=locked)
    availability_refresh(approval=locked)  # search ranks on the new end of validity
    audit_record(actor=actor, action="approval.renew", target=locked,
                 from_state=locked.status, to_state=locked.status, reason=reason.strip(),
                 data={"from_until": previous.isoformat(),
                       "to_until": locked.valid_until.isoformat(),
                       "term_until": term_end.isoformat(),
                       "limited_by": str(limited_by[1]) if limited_by else None,
                       "renewals": locked.renewals})
    body = _("The annual review renewed the approval for one more term, until "
             "%(date)s.") % {"date": local_date(locked.valid_until)}
    if limited_by:
        body += " " + _("The term would run until %(term)s, but %(document)s expires on "
                        "%(date)s: upload the renewed document before then, or the "
                        "approval is suspended on that day.") % {
            "term": local_date(term_end), "document": limited_by[1],
            "date": local_date(limited_by[0])}
    # the provider's page, where the approval shows its new end of validity
    page = (reverse("registry:portal-organization", args=[locked.organization_id])
            if locked.organization_id else reverse("registry:portal-person",
                                                   args=[locked.person_id]))
    notify(users=_provider_users(locked),
           subject=_("%(provider)s: the approval is renewed") % {
               "provider": locked.subject.name},
           body=body, url=page, about=locked.subject)
    # and the schools engaging it: a term up to the new end may rest on it
    schools = set(Engagement.objects.filter(approval=locked,
                                            status__in=Engagement.LIVE_STATUSES)
                  .values_list("school_id", flat=True))
    if schools:
        notify(users=users_acting_for("school", "act_for_school", schools),
               subject=_("%(provider)s: the approval is renewed") % {
                   "provider": locked.subject.name},
               body=_("The approval your engagements with %(provider)s rest on is renewed "
                      "until %(date)s: a term up to that day may rest on it.") % {
                   "provider": locked.subject.name, "date": local_date(locked.valid_until)},
               url=reverse("registry:school-engagements"), about=locked.subject)
    approval.refresh_from_db()
    return locked


# --- semester evaluations ------------------------------------------------------------------

def term_evaluations_request(*, today: datetime.date | None = None) -> int:
    """At the end of each school term, the school is asked to rate every engagement of the
    term not rated yet, on the rubric; the task stays on its engagements page
    (``selectors.terms_to_rate``) until they are rated (a rating under the threshold opens
    a review case: see
    ``engagement_evaluate``). Once per term; a run that missed the day catches up within a
    fortnight. Each school's users are told of their own school's terms (the school named
    beside it, the term, its dates and how many engagements wait), in one notification
    per term. Six queries per run, whatever the number of schools and terms (its
    transaction's savepoints, the content type's until it is cached, and the insert's
    batches for thousands of users apart)."""
    today = today or timezone.localdate()
    # counted as the school's engagements page counts them (one rule): what it is told is
    # what it finds there
    waiting = awaiting_rating(today, prefix="engagements__")
    found = {t.pk: t for t in SchoolTerm.objects.filter(
        ends_on__lt=today, ends_on__gte=today - datetime.timedelta(days=14),
        evaluations_requested_at__isnull=True)
        .annotate(to_rate=Count("engagements", filter=waiting)).filter(to_rate__gt=0)
        .select_related("school").order_by("pk")[: settings.RECERT_SWEEP_BATCH]}
    if not found:
        return 0
    with transaction.atomic():
        # again under the rows' locks: a run that overlapped this one (between the read
        # above and here) has asked these schools already
        locked = list(SchoolTerm.objects.select_for_update().filter(
            pk__in=list(found), evaluations_requested_at__isnull=True)
            .order_by("pk").values_list("pk", flat=True))
        if not locked:
            return 0
        SchoolTerm.objects.filter(pk__in=locked).update(evaluations_requested_at=timezone.now())
        terms = [found[pk] for pk in locked]
        users = users_acting_for_each("school", "act_for_school", {t.school_id for t in terms})
        notify_each([_term_evaluations_message(term, users.get(term.school_id, []))
                     for term in terms])
    return len(terms)


def _term_evaluations_message(term: SchoolTerm, users: list) -> Message:
    """What a school's users are told of one of its terms that ended: which term, when,
    how many engagements wait, and its engagements page, where the task is."""
    words = {"term": term.name, "school": term.school.name, "count": term.to_rate,
             "start": local_date(term.starts_on), "end": local_date(term.ends_on),
             "threshold": round(settings.REGISTRY_SATISFACTION_THRESHOLD * 100)}
    subject = ngettext("%(term)s has ended: rate %(count)d engagement",
                       "%(term)s has ended: rate %(count)d engagements", term.to_rate) % words
    body = ngettext(
        "The term %(term)s of %(school)s (%(start)s – %(end)s) has ended, and %(count)d "
        "engagement of it waits for a rating. Rate each on the rubric (each item from 1 to "
        "5): the task is on the school's engagements page. The ratings count in each "
        "provider's annual review; a provider whose average for the term is under "
        "%(threshold)d%% gets a review by the bureau.",
        "The term %(term)s of %(school)s (%(start)s – %(end)s) has ended, and %(count)d "
        "engagements of it wait for a rating. Rate each on the rubric (each item from 1 to "
        "5): the task is on the school's engagements page. The ratings count in each "
        "provider's annual review; a provider whose average for the term is under "
        "%(threshold)d%% gets a review by the bureau.", term.to_rate) % words
    # the school named in the link: a user acting for several is not asked to choose
    url = (f"{reverse('registry:school-engagements')}?{urlencode({'school': term.school_id})}"
           "#ratings-due")
    return Message(users=users, subject=subject, body=body, url=url, about=term.school)


# --- the yearly record re-query (入职查询) -----------------------------------------------

def requeries_open(*, today: datetime.date | None = None) -> int:
    """On each bureau's re-query date, every person in service under it (an individual
    approval in force since before that date) gets a re-query task for the bureau's
    clerks, due ``REGISTRY_REQUERY_DAYS`` later; the clerks are told once, and each person
    is asked for the consent the query needs if theirs is not in force."""
    today = today or timezone.localdate()
    opened = 0
    for bureau, day in bureaus_due("requery", today, window_days=settings.REGISTRY_REQUERY_DAYS):
        due_on = day + datetime.timedelta(days=settings.REGISTRY_REQUERY_DAYS)
        approvals = list(
            Approval.objects.filter(status=Approval.Status.APPROVED, person__isnull=False,
                                    jurisdiction_id=bureau.jurisdiction_id,
                                    valid_from__lt=day)
            .exclude(requeries__year=day.year)
            .select_related("person__organization").order_by("pk")
            [: settings.RECERT_SWEEP_BATCH])
        if not approvals:
            continue
        with transaction.atomic():
            # again under the bureau's lock: a run that overlapped this one has opened
            # these re-queries (and told everyone) already
            Bureau.objects.select_for_update().get(pk=bureau.pk)
            opened_already = set(RecordRequery.objects.filter(
                approval__in=approvals, year=day.year).values_list("approval_id", flat=True))
            approvals = [a for a in approvals if a.pk not in opened_already]
            if not approvals:
                continue
            created = RecordRequery.objects.bulk_create(
                [RecordRequery(approval=a, person=a.person, bureau=bureau, year=day.year,
                               opened_on=today, due_on=due_on) for a in approvals],
                ignore_conflicts=True)
            audit_record(actor=None, action="requery.open", target=bureau,
                         data={"year": day.year, "approvals": [a.pk for a in approvals],
                               "due_on": due_on.isoformat()})
            notify(users=bureau_staff(bureau, "clerk_bureau"),
                   subject=_("Yearly record re-queries are due by %(date)s") % {
                       "date": local_date(due_on)},
                   body=_("%(count)d people in service need their yearly record query. One "
                          "not done by the date suspends the person's approval.") % {
                       "count": len(approvals)},
                   url=reverse("registry:requeries", args=[bureau.pk]), about=bureau)
            _requery_tell_employers(
                [a.person for a in approvals if not a.person.user_id], bureau, opened=today,
                due_on=due_on)
            people_users = [a.person.user for a in approvals if a.person.user_id]
            notify(users=people_users,
                   subject=_("Your yearly record query is due"),
                   body=_("The education bureau repeats the record query every year for "
                          "people in after-school service. If you have not given your "
                          "consent to the yearly re-query, give it in your account by "
                          "%(date)s; without it the query cannot be made and your approval "
                          "will be suspended.") % {"date": local_date(due_on)},
                   url=reverse("registry:my-privacy"), about=bureau)
            opened += len(created)
    return opened


def _requery_tell_employers(people, bureau: Bureau, *, opened: datetime.date,
                            due_on: datetime.date) -> None:
    """People in service without an account of their own (staff their organization
    registered) cannot consent in one: their organization's users are told to upload the
    consent form each signed for this year's query (requery_consent_on_record). One
    message and one query per organization; a person with no organization, to those
    acting for them."""
    by_employer: dict[int | None, list] = {}
    for person in people:
        by_employer.setdefault(person.organization_id, []).append(person)
    for organization_id, staff in by_employer.items():
        groups = ([(users_acting_for("organization", "act_for_organization",
                                     [organization_id]), staff)] if organization_id
                  else [(holders_of_person(person), [person]) for person in staff])
        for users, named in groups:
            notify(users=users,
                   # the organization told (its user may act for several), else the bureau
                   about=named[0].organization if organization_id else bureau,
                   subject=_("Yearly record query due for %(names)s") % {
                       "names": "、".join(p.name for p in named)},
                   body=_("The education bureau (%(bureau)s) repeats the record query every "
                          "year for people in after-school service. %(names)s have no "
                          "account of their own to consent in: by %(date)s, upload for "
                          "each the consent form (知情同意书) they signed for this year's "
                          "query, dated %(since)s or later, for a clerk to verify. Without "
                          "it the query cannot be made and their approval will be "
                          "suspended.") % {
                       "bureau": bureau.name, "names": "、".join(p.name for p in named),
                       "date": local_date(due_on),
                       "since": local_date(opened - REQUERY_CONSENT_LEAD)})


@transaction.atomic
def requery_record(*, actor, requery: RecordRequery, query_reference: str,
                   query_date: datetime.date | None, result: str) -> RecordRequery:
    """The clerk records the yearly re-query of a person: the reference, the date and the
    result. It needs the person's own consent to the yearly re-query, in force. A clear
    result done late lifts the suspension its lateness caused; a hit waits for a second
    person (:func:`person_bar_for_record_hit`) and the approval is suspended meanwhile."""
    locked = (RecordRequery.objects.select_for_update(of=("self",))
              .select_related("bureau", "person", "approval").get(pk=requery.pk))
    if actor is None or not actor.has_perm("registry.clerk_bureau", locked.bureau):
        raise PermissionDenied(_("Only a clerk of this bureau may record the re-query."))
    errors = {}
    if not (query_reference or "").strip():
        errors["query_reference"] = _("Record the reference of the record query.")
    if result not in QUERY_RESULTS:
        errors["result"] = _("Record the result of the record query.")
    if query_date is None or query_date > timezone.localdate() or \
            query_date < locked.opened_on - datetime.timedelta(days=60):
        errors["query_date"] = _("The query date must be this year's and not in the future.")
    if errors:
        raise ValidationError(errors)
    if not requery_consent_on_record(locked):
        raise ValidationError(
            _("The person has not consented to this year's re-query (or has withdrawn "
              "their consent): it cannot be made. Ask the person to give it in their "
              "account, or, for a person without one, their organization to upload the "
              "consent form (知情同意书) they signed for this year's query, and verify it."),
            code="no_consent")
    was = locked.status
    previous = locked.apply_transition(
        RecordRequery.Status.HIT if result == "hit" else RecordRequery.Status.DONE)
    locked.query_reference, locked.query_date = query_reference.strip(), query_date
    locked.done_by, locked.done_at = actor, timezone.now()
    locked.save(update_fields=["status", "query_reference", "query_date", "done_by",
                               "done_at"])
    # the result itself is sensitive: recorded as done / hit, never in a message
    audit_record(actor=actor, action="requery.record", target=locked, from_state=previous,
                 to_state=locked.status, data={"approval": locked.approval_id})
    approval = Approval.objects.select_for_update().get(pk=locked.approval_id)
    if result == "hit":
        reason = _("The yearly record query is being confirmed.")
        if approval.status in (Approval.Status.APPROVED, Approval.Status.SUSPENDED):
            # held for the hit even if something else suspended it already
            was_in_force = approval.status == Approval.Status.APPROVED
            approval_suspend(actor=actor, approval=approval, reason=reason,
                             cause=ApprovalHold.Cause.RECORD_HIT)
            if was_in_force:
                sanction_fan_out(actor=actor, approvals=[approval], action="suspend",
                                 reason=reason)
            elif was == RecordRequery.Status.OVERDUE:  # done, late: the hit holds it now
                approval_reinstate(actor=actor, approval=approval, reason=reason,
                                   causes=[ApprovalHold.Cause.REQUERY])
        person_bar_for_record_hit(
            actor=actor, bureau=locked.bureau, person=locked.person,
            reason=_("Record query hit in the yearly re-query #%(pk)s") % {"pk": locked.pk})
    elif was == RecordRequery.Status.OVERDUE and approval.status == Approval.Status.SUSPENDED:
        # the lateness is answered; whatever else suspended the approval still holds it
        reason = _("The yearly record query is done.")
        approval = approval_reinstate(actor=actor, approval=approval, reason=reason,
                                      causes=[ApprovalHold.Cause.REQUERY])
        if approval.status == Approval.Status.APPROVED:
            sanction_fan_out(actor=actor, approvals=[approval], action="restore",
                             reason=reason)
    return locked


def requeries_suspend_overdue(*, today: datetime.date | None = None) -> int:
    """A re-query not done by its due date suspends the person's approval, with notice to
    the person, the provider and the schools (the sanction fan-out)."""
    today = today or timezone.localdate()
    overdue = (RecordRequery.objects.filter(status=RecordRequery.Status.OPEN,
                                            due_on__lt=today)
               .order_by("due_on", "pk").values_list("pk", flat=True)
               [: settings.RECERT_SWEEP_BATCH])
    count = 0
    for pk in list(overdue):
        with transaction.atomic():
            requery = RecordRequery.objects.select_for_update().get(pk=pk)
            if requery.status != RecordRequery.Status.OPEN:
                continue  # another run got here first, or the clerk just did it
            previous = requery.apply_transition(RecordRequery.Status.OVERDUE)
            requery.save(update_fields=["status"])
            audit_record(actor=None, action="requery.overdue", target=requery,
                         from_state=previous, to_state=requery.status)
            approval = Approval.objects.select_for_update().get(pk=requery.approval_id)
            if approval.status in (Approval.Status.APPROVED, Approval.Status.SUSPENDED):
                # held for the re-query even if already suspended for something else, so
                # that answering that does not put back in force a person never re-checked
                was_in_force = approval.status == Approval.Status.APPROVED
                reason = _("The yearly record query was not done by %(date)s.") % {
                    "date": local_date(requery.due_on)}
                approval_suspend(actor=None, approval=approval, reason=reason,
                                 cause=ApprovalHold.Cause.REQUERY)
                if was_in_force:
                    sanction_fan_out(actor=None, approvals=[approval], action="suspend",
                                     reason=reason)
            # and the bureau looks into it (a review case, where the workflow is installed)
            review_case_request(actor=None, bureau=requery.bureau, trigger="requery",
                                person=requery.person,
                                details={"requery": requery.pk, "year": requery.year})
            count += 1
    return count


__all__ = [
    "approval_renew",
    "renewal_document_limit_register",
    "bureau_yearly_date",
    "bureaus_due",
    "requeries_open",
    "requeries_suspend_overdue",
    "requery_record",
    "term_evaluations_request",
    "term_reminders_send",
]
