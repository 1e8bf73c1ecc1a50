"""Acting on a human task from the API: the same lock, checks and forms as the web UI.

It sits above the services (it drives a task's form, which calls one service), beside
the views and the API that use it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from workflows.forms import FORMS
from workflows.services.errors import TaskAlreadyHandled

__all__ = ["TaskAlreadyHandled", "task_perform"]


def task_perform(*, actor, task, data, files=None) -> bool:
    """Act on a human task from the API: the same lock, checks and forms as the web UI.

    Returns whether the task was completed. Raises PermissionDenied (403) when the task
    is not the actor's to do, TaskAlreadyHandled (409) when it is no longer open, and
    ValidationError (400) with the form's field errors.
    """
    flow_class = task.process.flow_class
    node = task.flow_task
    form_class = FORMS.get(node.name) if node is not None else None
    if form_class is None:
        raise TaskAlreadyHandled(_("This task cannot be performed through the API."))
    try:
        # the lock holds the transaction: everything below commits or rolls back together
        with flow_class.lock(task.process_id):
            task = _task_for_action(flow_class, task.pk)
            if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
                raise TaskAlreadyHandled(_("This task has already been handled."))
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                if not node.can_assign(actor, task):
                    raise _four_eyes_refusal(node, actor, task) or PermissionDenied(
                        _("This task is not yours to perform."))
                activation.assign(actor)
            if not node.can_execute(actor, task):
                if task.owner_id and _has_task_permission(node, actor, task):
                    raise TaskAlreadyHandled(_("Another user has taken this task."))
                raise PermissionDenied(_("This task is not yours to perform."))
            activation.start(None)
            form = form_class(data=data, files=files, activation=activation, user=actor)
            if not form.is_valid():
                raise ValidationError({field: [e["message"] for e in errors] for field, errors
                                       in form.errors.get_json_data().items()})
            done = form.perform()
            if done:
                activation.execute()
            return done
    except FlowLockFailed:
        raise TaskAlreadyHandled(_("Another user is acting on this case right now; "
                                   "reload and try again.")) from None


def _task_for_action(flow_class, task_pk: int):
    """The task re-read under the process lock, with its case (the flow's own process class)
    and what every step of a case reads (bureau and jurisdiction, the applicant) in the same
    query, instead of one query each as the steps come to them."""
    process_class = flow_class.process_class
    accessor = process_class._meta.model_name  # the multi-table child of viewflow's Process
    fields = {f.name for f in process_class._meta.get_fields()}
    related = [f"process__{accessor}__{name}" for name in
               ("bureau__jurisdiction__parent", "organization__county__parent",
                "person__organization__county__parent") if name.split("__")[0] in fields]
    task = (flow_class.task_class.objects
            .select_related("process", f"process__{accessor}", *related).get(pk=task_pk))
    task.process = getattr(task.process, accessor)
    return task


def _four_eyes_refusal(node, actor, task) -> PermissionDenied | None:
    """Why ``actor`` may not take ``task`` they otherwise could (``HumanTask.NotFor``)."""
    if not hasattr(node, "assign_refusal") or not node.may_take(actor, task):
        return None
    return node.assign_refusal(actor, task)


def _has_task_permission(node, actor, task) -> bool:
    """Whether ``actor`` holds the permission the task asks for (on its bureau/organization)."""
    if not task.owner_permission:
        return False
    if task.owner_permission_content_type_id:  # the object stored on the task (会审)
        return actor.has_perm(task.owner_permission, task.owner_permission_obj)
    obj = node._owner_permission_obj
    if callable(obj):
        obj = obj(task.process)
    return actor.has_perm(task.owner_permission, obj) if obj is not None else \
        actor.has_perm(task.owner_permission)
