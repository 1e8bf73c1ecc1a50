"""The open tasks a user may take or holds, across flows: one rule for every list of them
(the API's task list, the bureau's inbox and queue, each flow's queue page).

viewflow's ``Task.objects.inbox(...) | queue(...)`` asks an object permission by
concatenating ``permission_objpk`` on every task row, which no index can serve, and lists
tasks its reader may not take (four eyes). Here the permission is asked as (permission,
object ids) pairs, which ``workflows_task_queue_idx`` serves, and the nodes' ``NotFor``
rules, as queries, leave out what would only be refused."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db.models import Q, QuerySet
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS


def task_queue_for(user, flow_classes) -> QuerySet:
    """The user's open human tasks: assigned to it, or waiting in its queue.

    The same rule as viewflow's ``Task.objects.inbox(...) | queue(...)``: an unassigned
    task is in the queue when it needs no permission, or the user holds its permission
    globally or on its object (guardian). viewflow checks the object permission by
    concatenating ``permission_objpk`` on every task row, which no index can serve; here it
    is asked as (permission, object ids) pairs, which ``workflows_task_queue_idx`` serves.
    """
    if not user.is_authenticated:
        return Task.objects.none()
    flows = [f for f in flow_classes if f.instance.has_view_permission(user)]
    tasks = Task.objects.filter(flow_task_type="HUMAN", process__flow_class__in=flows)
    if user.is_superuser:
        return tasks.filter(Q(owner=user, status=STATUS.ASSIGNED) | Q(status=STATUS.NEW))
    queue = Q(owner_permission__isnull=True) | Q(owner=user)
    global_perms = user.get_all_permissions()
    if global_perms:
        queue |= Q(owner_permission__in=global_perms)
    if "guardian" in settings.INSTALLED_APPS:
        by_permission = defaultdict(set)
        pairs = [*UserObjectPermission.objects.filter(user=user).values_list(
                     "content_type__app_label", "permission__codename", "object_pk"),
                 *GroupObjectPermission.objects.filter(group__user=user).values_list(
                     "content_type__app_label", "permission__codename", "object_pk")]
        for app_label, codename, object_pk in pairs:
            by_permission[f"{app_label}.{codename}"].add(object_pk)
        for permission, object_pks in sorted(by_permission.items()):
            queue |= Q(owner_permission=permission, owner_permission_obj_pk__in=sorted(object_pks))
    tasks = tasks.filter(Q(owner=user, status=STATUS.ASSIGNED) | (Q(status=STATUS.NEW) & queue))
    return without_barred_tasks(user, tasks, flows)


def without_barred_tasks(user, tasks: QuerySet, flow_classes) -> QuerySet:
    """``tasks`` without those still waiting that ``user`` may not take although they hold
    the permission: a decision of a case they checked, investigated, applied for or scored
    (four eyes, the nodes' ``NotFor``). The queue listed them, and taking one was refused.

    Nor a task the flow gave a named person (a correction) that a flow manager handed back:
    it needs no permission, so viewflow's rule listed it, with the person's name, to every
    user of every bureau and organization, though only that person may take it (from the
    case's page, ``selectors.open_tasks_for``). Every other person's task names a
    permission."""
    tasks = tasks.exclude(status=STATUS.NEW, owner_permission__isnull=True)
    for flow_class in flow_classes:
        for node in flow_class.instance.nodes():
            barred = getattr(node, "not_for_cases", None)
            if barred is not None:
                tasks = tasks.exclude(
                    flow_task=node, status=STATUS.NEW,
                    process_id__in=barred(user, flow_class.process_class))
    return tasks
