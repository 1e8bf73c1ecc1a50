"""What the workflow engine's own pages may show of a case.

viewflow's process pages list every field of the process row; a case row holds the
record-check result (入职查询), the reasons of a refusal and the documents to correct,
which only the case's own pages show, to those who may see them. Its pages show the
fields below and nothing else."""

from django import template

from workflows import selectors
from workflows.renewals_due import recertification_due

register = template.Library()

SHOWN_FIELDS = frozenset({
    "status", "created", "finished", "bureau", "organization", "person", "outcome",
    "started_by", "school", "call", "notice_ends_on", "correction_due", "approval",
})


@register.filter
def shown_case_fields(process_data):
    """``process_data`` (viewflow's (field, label, value) rows) without the confidential
    fields of a case."""
    return [row for row in process_data if row[0].name in SHOWN_FIELDS]


@register.filter
def case_url(case) -> str:
    """The address of a case's own page (every row that names a case links to it)."""
    return selectors.case_url(case)


@register.simple_tag(takes_context=True)
def task_holder(context, task) -> str:
    """Who holds ``task``, as viewflow's task page names them: shown to the holder and to the
    case's bureau staff only. The applicant opens its case's task pages, and an expert's
    review task would otherwise name the expert (the panel stays confidential)."""
    return selectors.task_holder_name(context["request"].user, task)


@register.simple_tag(takes_context=True)
def openable_tasks(context, tasks) -> list:
    """``tasks`` (a task's previous or next ones) that the reader may open: a task page links
    only those (``workflows.selectors.tasks_openable_by``)."""
    return selectors.tasks_openable_by(context["request"].user, tasks)


@register.simple_tag(takes_context=True)
def renewals_due(context, case):
    """What a re-certification ``case`` asks to renew, for the reader to read
    (``workflows.renewals_due.recertification_due``), or None: on its task and case pages.
    With how and when the case closed (``outcome``, ``closed_on``): a closed case's list
    says that, and invites no upload for it."""
    due = recertification_due(context["request"].user, case)
    if due is not None:
        due["outcome"] = case.outcome
        due["closed_on"] = None if due["open"] else (case.finished or case.created)
    return due
