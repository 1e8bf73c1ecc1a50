"""Reads for the bureau staff's one inbox, one queue and one archive across the flows (我的待办,
待领取任务, 已办结).

viewflow's inbox and queue are per flow: an approver whose decision waited in the vetting
flow found nothing under the menu's inbox (the selection flow's). These lists hold every
flow's tasks, by the rule the per-flow queues and the API's task list follow
(``task_queue.task_queue_for``, with its four-eyes exclusion), never another one. The
archive (viewflow's was the selection flow's alone) holds the tasks the user finished in the
same flows, as rows of the same shape (``worklist_rows``).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows import selectors, task_queue
from workflows.flows import (
    AnnualReviewFlow,
    IndividualVettingFlow,
    OrganizationSelectionFlow,
    RecertificationFlow,
    ReviewCaseFlow,
)
from workflows.models import (
    AnnualReviewProcess,
    RecertificationProcess,
    ReviewCaseProcess,
    SelectionProcess,
    VettingProcess,
)
from workflows.services.notifications import subject_name

BUREAU_FLOWS = (OrganizationSelectionFlow, IndividualVettingFlow, RecertificationFlow,
                AnnualReviewFlow, ReviewCaseFlow)

# what a row names of its case, loaded once per kind for a page of tasks
_CASE_RELATIONS = {
    SelectionProcess: ("organization", "bureau"),
    VettingProcess: ("person", "bureau"),
    RecertificationProcess: ("approval__organization", "approval__person", "bureau"),
    AnnualReviewProcess: ("approval__organization", "approval__person", "bureau"),
    ReviewCaseProcess: ("organization", "person", "bureau"),
}


def _open_tasks(user) -> QuerySet:
    return task_queue.task_queue_for(user, BUREAU_FLOWS)


def bureau_inbox_for(user) -> QuerySet:
    """The open tasks ``user`` holds, in every flow, the longest waiting first."""
    return (_open_tasks(user).filter(owner=user, status=STATUS.ASSIGNED)
            .order_by("created", "pk"))


def bureau_queue_for(user) -> QuerySet:
    """The tasks waiting to be taken that ``user`` may take, in every flow (less those four
    eyes bar them from), the longest waiting first."""
    return _open_tasks(user).filter(status=STATUS.NEW).order_by("created", "pk")


def bureau_done_for(user) -> QuerySet:
    """The tasks ``user`` did themselves (finished, held by them) in every flow of the
    inbox and queue, the latest finished first: never another user's."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    return (Task.objects.filter(flow_task_type="HUMAN", process__flow_class__in=BUREAU_FLOWS,
                                owner=user, status=STATUS.DONE)
            .order_by("-finished", "-pk"))


def bureau_work_counts(user) -> dict[str, int]:
    """How many tasks ``user`` holds and may take (``{"inbox": n, "queue": m}``): one count
    query, after the permissions ``task_queue_for`` reads."""
    return _open_tasks(user).aggregate(
        inbox=Count("pk", filter=Q(owner=user, status=STATUS.ASSIGNED)),
        queue=Count("pk", filter=Q(status=STATUS.NEW)))


def worklist_rows(tasks) -> list[dict]:
    """A page of tasks as rows: the kind of case, the task, the subject, the bureau, and the
    addresses of the task and of the case. One query per kind of case on the page, not one
    per row."""
    tasks = list(tasks)
    by_model: dict[type, set[int]] = {}
    for task in tasks:
        by_model.setdefault(task.flow_task.flow_class.process_class, set()).add(
            task.process_id)
    cases = {}
    for model, pks in by_model.items():
        for case in model.objects.filter(pk__in=pks).select_related(*_CASE_RELATIONS[model]):
            cases[case.pk] = case
    rows = []
    for task in tasks:
        case, node = cases.get(task.process_id), task.flow_task
        if case is None:
            continue
        flow_label = node.flow_class.instance.flow_label
        rows.append({
            "task": task, "case": case, "kind": case._meta.verbose_name,
            "title": node.task_title,
            "subject_name": subject_name(selectors.case_subject(case)),
            "task_url": reverse(f"{flow_label}:{node.name}:index",
                                args=[task.process_id, task.pk]),
            "case_url": selectors.case_url(case),
        })
    return rows
