"""Why a review case is open, in words for the bureau's clerk, and who handles it now.

A case opened on a rating under the threshold says why in its clerk's task notice (which
schools rated the provider, its satisfaction in the school term against the threshold,
the term); a cause added to a case already open is told to the staff handling that case
now, its clerk or, at the decision or the re-examination, its administrator
(``workflows.services.review_cases.review_case_open``). Reads only; the words are in the
active language (the caller chooses the readers' one)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from viewflow.workflow.status import STATUS

from registry.formatting import local_date
from registry.models import SchoolTerm
from registry.selectors.engagements import term_evaluations
from workflows import recipients
from workflows.models import ReviewCaseProcess

# the bureau's queues a review case's tasks wait in: its clerks', its administrators'
HANDLERS = ("registry.clerk_bureau", "registry.administer_bureau")
# the schools named in a notice: a provider serves few in a term; past these, a count
SCHOOLS_NAMED = 10


def _percent(share, places: str) -> Decimal:
    return (Decimal(str(share)) * 100).quantize(Decimal(places))


def cause_words(case: ReviewCaseProcess, trigger: str, details: dict) -> str:
    """Why ``trigger`` (with its ``details``) brings ``case`` before the bureau, for its
    clerk: for a rating under the threshold, the provider's satisfaction in the school term
    at every school it served, the threshold, the term and each school's rating in it;
    '' for a cause whose page says it (an incident, a re-query, the bureau's own)."""
    if trigger != ReviewCaseProcess.Trigger.LOW_SATISFACTION or (
            details.get("satisfaction_share") is None):
        return ""
    subject = case.subject
    words = {"provider": subject.name, "percent": _percent(details["satisfaction_share"], "0.1"),
             "threshold": _percent(details.get("threshold", 0), "1")}
    term = SchoolTerm.objects.filter(pk=details.get("term")).first()
    if term is None:  # the term is gone: the figures still say why
        return _("%(provider)s: satisfaction %(percent)s%%, under the threshold of "
                 "%(threshold)s%%.") % words
    subject_filter = ({"organization": subject} if case.organization_id
                      else {"person": subject})
    ratings = list(term_evaluations(term=term, **subject_filter)
                   .select_related("engagement__school")
                   .order_by("engagement__school__name", "pk")[:SCHOOLS_NAMED + 1])
    named = [_("%(school)s (%(percent)s%%)") % {
        "school": e.engagement.school.name, "percent": Decimal(e.percent).quantize(
            Decimal("0.1"))} for e in ratings[:SCHOOLS_NAMED]]
    schools = pgettext("list separator", ", ").join(named)
    if len(ratings) > SCHOOLS_NAMED:
        schools += _(" and more")
    return _("%(provider)s: %(percent)s%% satisfaction in the school term of %(term)s "
             "(%(start)s – %(end)s), at every school served; under the threshold of "
             "%(threshold)s%%. Rated by %(schools)s.") % {
        **words, "term": term.name, "start": local_date(term.starts_on),
        "end": local_date(term.ends_on), "schools": schools}


def review_case_why(case: ReviewCaseProcess) -> str:
    """Why ``case`` was opened, for its clerk's task notice ('' when its page says it)."""
    return cause_words(case, case.trigger, case.details or {})


def clerks_handling(case: ReviewCaseProcess) -> list:
    """The staff handling ``case`` now, told of a cause added to it: whoever took its open
    task (the clerk's investigation or check of a rectification, the administrator's
    decision or re-examination 复核); with that task in the queue, everyone of the bureau
    who may take it (every clerk; the administrators, but for those the four-eyes rule
    keeps from it); with none open (the case is with the provider, or waits for a
    re-examination to be asked), the clerk who investigated it, else every clerk."""
    task = (case.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED],
                                 owner_permission__in=HANDLERS)
            .select_related("owner").order_by("-pk").first())
    if task is not None and task.owner_id and task.owner.is_active:
        return [task.owner]
    if task is None:
        if case.investigated_by_id and case.investigated_by.is_active:
            return [case.investigated_by]
        return recipients.staff_of(case.bureau, "clerk_bureau")
    staff = recipients.staff_of(case.bureau, task.owner_permission.split(".")[-1])
    refusal = getattr(task.flow_task, "assign_refusal", None)
    return [user for user in staff if refusal is None or refusal(user, task) is None]
