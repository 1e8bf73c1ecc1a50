"""Flow nodes of our own.

``PanelSplit``: a parallel split that opens one task per item (the free edition's Split
opens one). The expert panel needs one review task per drawn expert, and the panel size
is a setting: ``PanelSplit().Next(node, data_source=callable)`` creates a task of
``node`` for every dict the callable returns, each in its own branch, so the
following ``Join`` waits for all of them.

``HumanTask``: a person's task (``flow.View``) whose take and hand-back pages follow
the task's state.

``ReadableBy``: a node whose task pages only some may open (the confidential panel: an
expert's review, the panel's split and join, a partner department's opinion).

``own_task_urls_only``: viewflow finds the task of ``<flow>/<process>/<node>/<task>/…``
by its id alone (it checks only the flow): a qualification task opened under the
decision's address ran the decision's form on it, skipping the document check, and the
process of the address, which is the one locked, need not be the task's.

``Background``: a step the worker runs right after the user's action commits (a durable
timer due at once), so that system work after a decision is not part of the decision.
"""

import datetime
import logging
from functools import update_wrapper

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import URLResolver, path
from viewflow.utils import is_owner
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow import utils as flow_utils
from viewflow.workflow.flow.nodes import Function, Join, Split, Timer
from viewflow.workflow.flow.nodes import View as ViewNode
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.timer import TimerActivation
from viewflow.workflow.status import STATUS

from workflows.tasks import fire_workflow_timers

logger = logging.getLogger(__name__)


class PanelSplitActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        for node, cond, data_source in self.flow_task._branches:
            if cond and not cond(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, data) for data in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class ReadableByMixin:
    """A node whose task pages (index, detail and the rest) only its task's holder and those
    ``ReadableBy(check)`` lets in may open; everyone else gets a 404 (``own_task_urls_only``),
    and the engine's task lists leave its tasks out for them (``workflows.site``)."""

    readable_by = None  # callable(user, task) -> bool; see ``ReadableBy``
    readable_cases = None  # callable(user) -> the cases' QuerySet; see ``ReadableBy``

    def ReadableBy(self, check, cases=None):  # noqa: N802 - viewflow's API style
        """Who may open any page of this node's tasks besides their holder:
        ``check(user, task)``; everyone else gets a 404. ``cases(user)``: the same rule
        as the cases whose tasks the engine's lists show ``user`` (by default the cases
        of the user's bureaus: ``workflows.selectors.tasks_listed_for``)."""
        self.readable_by, self.readable_cases = check, cases
        return self

    def readable_to(self, user, task) -> bool:
        """Whether ``user`` may open ``task``'s pages: its holder, or whom the node's
        ``ReadableBy`` check lets in (every one, without such a check)."""
        if self.readable_by is None:
            return True
        return ((task.owner_id is not None and task.owner_id == user.pk)
                or self.readable_by(user, task))


class PanelSplit(ReadableByMixin, Split):
    # the flow-level Split (with its detail/undo/revive views), not the bare node: task
    # lists and case pages link every task to its detail page (a 500 otherwise)
    activation_class = PanelSplitActivation

    def Next(self, node, case=None, data_source=None):  # noqa: N802 - viewflow's API style
        self._activate_next.append((node, case, data_source))
        return self


class PanelJoin(ReadableByMixin, Join):
    """The join after the panel's (or the partner departments') tasks: its page lists each
    of them, so it is as confidential as they are (``ReadableBy``)."""


class ConfidentialFunction(ReadableByMixin, Function):
    """An automated step whose very passage says what only some may read (a vetting ended
    on a record hit): its task's pages and rows are for those ``ReadableBy`` lets in."""


class HumanTask(ReadableByMixin, ViewNode):
    """``flow.View`` whose assign and unassign pages answer only when that makes sense.

    viewflow asks only who may take or hand back a task, not whether it can be: a
    cancelled task's page offered to take it, a finished task's page offered to hand it
    back (the POST then failed). And a task the flow gives to a named person (an expert's
    seat, an applicant's correction) could be handed back to a queue where nobody else
    may do it; a vetting correction, which needs no permission, could then be taken by
    anyone signed in. Here a task is taken only while it waits, handed back only while
    it is held, and a named person's task stays theirs: only a flow manager may hand it
    back, and then only that person may take it again. ``NotFor`` keeps a decision's task
    from whoever may not make it (four eyes), with the service's own check.
    """

    not_for = None  # callable(*, actor, case) raising PermissionDenied; see ``NotFor``
    not_for_cases = None  # callable(user, process_model) -> the barred cases' pks

    def NotFor(self, check, cases=None):  # noqa: N802 - viewflow's API style
        """Who may not take this node's tasks although they hold its permission (four eyes):
        ``check(actor=user, case=case)``, the service's own check, raises PermissionDenied
        saying why. viewflow asks the permission only; the rule was met when the form was
        sent, and the task then sat held by someone who could not finish it.

        ``cases(user, process_model)``, the same rule as a query (the pks of the cases
        ``check`` refuses ``user``), keeps those tasks out of ``user``'s queue
        (``workflows.task_queue.without_barred_tasks``): listed, they could only be refused."""
        self.not_for, self.not_for_cases = check, cases
        return self

    def assign_refusal(self, user, task):
        """The ``NotFor`` check's refusal of ``user`` for ``task`` (a PermissionDenied), or
        None."""
        if self.not_for is None or user is None or not user.is_authenticated:
            return None
        try:
            self.not_for(actor=user, case=task.process.coerced)
        except PermissionDenied as refusal:
            return refusal
        return None

    def may_take(self, user, task):
        """Whether ``user`` may take ``task`` by the task's state, owner and permission."""
        if task.status != STATUS.NEW:
            return False
        if self._owner is not None:  # back in the queue only if a manager put it there
            return (user is not None and user.is_authenticated
                    and is_owner(self.calc_owner(self.activation_class(task)), user))
        return super().can_assign(user, task)

    def can_assign(self, user, task):
        # every way of taking a task asks this (its page, the queue's bulk action, the API,
        # the case page's "waiting for you"): the four-eyes rule too
        return self.may_take(user, task) and self.assign_refusal(user, task) is None

    def _assign_permission(self, user, task):
        """``can_assign`` for the task's take page, whose refusal by ``NotFor`` says why (the
        403 page shows the reason)."""
        if not self.may_take(user, task):
            return False
        refusal = self.assign_refusal(user, task)
        if refusal is not None:
            raise refusal
        return True

    @property
    def assign_path(self):
        if self.assign_view:
            return path(f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
                        flow_utils.wrap_task_view(self, self.assign_view,
                                                  permission=self._assign_permission),
                        name="assign")
        return None

    def can_unassign(self, user, task):
        if task.status != STATUS.ASSIGNED:
            return False
        if self._owner is not None:
            return self.flow_class.instance.has_manage_permission(user)
        return super().can_unassign(user, task)


class PerTaskPermissionTask(HumanTask):
    """A queue task whose permission object is the task's own, not the process's: a
    partner department's opinion (会审) is asked of several departments on one case, each
    task of its department. ``.Permission(codename, obj=callable(activation))``: the
    callable gets the new task's activation (its ``task.data``); who may take the task is
    asked on the object stored on the task."""

    def calc_owner_permission_obj(self, activation):
        if self._owner_permission_obj:
            return self._owner_permission_obj(activation)
        return None

    def may_take(self, user, task):
        if task.status != STATUS.NEW or task.owner_id:
            return False
        if user is None or not user.is_authenticated or not task.owner_permission:
            return False
        obj = task.owner_permission_obj
        return obj is not None and user.has_perm(task.owner_permission, obj)


def own_task_urls_only(node, resolver: URLResolver) -> None:
    """Make every task page under ``resolver`` (a node's URLs) answer 404 unless its
    ``task_pk`` is a task of ``node`` in the process ``process_pk`` (and, for a node with
    ``readable_by``, unless the user holds the task or may read it)."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            own_task_urls_only(node, pattern)
        elif "task_pk" in pattern.pattern.converters:
            pattern.callback = _for_own_task(node, pattern.callback)


def _for_own_task(node, view):
    tasks = node.flow_class.task_class._default_manager
    readable_to = getattr(node, "readable_to", None)

    def checked(request, *args, **kwargs):
        task = tasks.filter(pk=kwargs["task_pk"], process_id=kwargs["process_pk"],
                            flow_task=node).first()
        if task is None:
            raise Http404
        if readable_to is not None and not readable_to(request.user, task):
            raise Http404
        return view(request, *args, **kwargs)

    update_wrapper(checked, view)
    return checked


class BackgroundActivation(TimerActivation):
    @Activation.status.super()
    def activate(self):
        super().activate.original()
        transaction.on_commit(_ask_worker_to_fire_timers)


def _ask_worker_to_fire_timers():
    try:
        fire_workflow_timers.delay()
    except Exception as exc:  # noqa: BLE001 - broker down: the minutely sweep fires it
        logger.warning("background step not enqueued (%s); the timer sweep will run it",
                       exc.__class__.__name__)


class Background(Timer):
    """A step the worker runs right after the user's action commits.

    viewflow runs the automatic nodes after a human task inside that task's transaction, so
    the approver's decision also opened the public notice (the approval, its audit, the
    provider's notification, the notice timer: half of the decision's queries, see make
    bench). Placed before such system work, this durable timer, due at once, ends the
    user's transaction at itself: its task row is the to-do, the worker is asked to fire
    due timers as soon as the transaction commits, and the minutely timer sweep
    (``fire_workflow_timers``) fires it if that message is lost (broker down). As for any
    timer, a failure downstream marks the task ERROR for the administrator, so what the
    user decided is checked before it is committed (see ``services.case_decide``).
    """

    activation_class = BackgroundActivation

    def __init__(self, **kwargs):
        super().__init__(datetime.timedelta(0), **kwargs)
