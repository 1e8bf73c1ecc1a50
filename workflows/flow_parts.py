"""The parts the flows share: task-row summaries, the mixins every case flow uses, and
the small functions the nodes call to find a task's owner, object or permission."""

from functools import partial, update_wrapper

from django.http import Http404
from django.urls import URLResolver
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from workflows import review_causes, selectors
from workflows.nodes import (
    ConfidentialFunction,
    own_task_urls_only,
)
from workflows.services import completeness as completeness_services
from workflows.services import (
    corrections,
    notifications,
    outcome,
)
from workflows.services import panel as panel_services

# What a task row says besides the step: whom the case is about, and at which bureau.
SELECTION_SUMMARY = "{{ process.organization.name }} · {{ process.bureau.name }}"
VETTING_SUMMARY = "{{ process.person.name }} · {{ process.bureau.name }}"
APPROVAL_SUMMARY = "{{ process.approval.subject.name }} · {{ process.bureau.name }}"

ROLE_GROUPS = ["provider", "bureau_clerk", "bureau_expert", "bureau_approver", "bureau_admin",
               "school", "department"]


# The words for the steps the flows declare without a title of their own (the automatic
# ones: gates, functions, timers, start and end). viewflow makes a title of the node's
# name ("Completeness Gate"), which showed in English on task pages, in the engine's lists
# and on the flow chart under the Chinese interface. A flow may say a step otherwise
# (``step_titles`` on the flow class: a review case's "notice" is its notice of intended
# action, not a selection's public notice).
STEP_TITLES = {
    "start": _("Case started"),
    "end": _("Case ended"),
    "approved_end": _("Ended: approved"),
    "rejected_end": _("Ended: not approved"),
    "completeness": _("Completeness check (automatic)"),
    "completeness_gate": _("Are the documents complete?"),
    "return_for_correction": _("Returned for correction"),
    "after_correction": _("Correction submitted"),
    "corrections_exhausted": _("Correction rounds used up"),
    "qualification_gate": _("Qualification outcome"),
    "verification_gate": _("Verification outcome"),
    "draw_experts": _("Experts drawn"),
    "panel_done": _("Expert panel finished"),
    "summarize": _("Scores summed up"),
    "request_opinions": _("Partner departments' opinions asked"),
    "partner_gate": _("Is a partner department's opinion needed?"),
    "partners_done": _("Partner departments' opinions in"),
    "decision_gate": _("By the decision"),
    "reject_decided": _("Not approved by the decision"),
    "reject_hit": _("Not approved: a record was found"),
    "reject_objected": _("Not approved: objection upheld"),
    "start_notice": _("Public notice opened"),
    "notice": _("Public notice (公示)"),
    "notice_gate": _("Objections to the notice?"),
    "take_effect": _("Approval takes effect"),
    "verify_gate": _("Verification outcome"),
    "restore": _("Approval restored"),
    "revoke": _("Approval revoked"),
}
REVIEW_CASE_STEP_TITLES = {
    **STEP_TITLES,
    "notice": _("Notice of intended action sent"),
    "response": _("The provider's response period"),
    "follow_up": _("Follow-up of the decision"),
    "reexamination_window": _("Period to ask for re-examination (复核)"),
    "reexamination_gate": _("Re-examination asked?"),
    "start_rectification": _("Rectification started"),
    "rectification": _("Rectification period"),
    "rectification_gate": _("Rectification evidenced?"),
    "rectification_check_gate": _("Rectification accepted?"),
    "close": _("Case closed"),
}


class CaseFlowMixin:
    """Who may see a case: the providers, bureau staff and experts it concerns; task
    addresses that answer only for a task of their own node and case; and every step's
    title in the user's language (``step_titles``)."""

    step_titles = STEP_TITLES

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)  # viewflow names the nodes here
        for name, node in cls._nodes_by_name.items():
            if name in cls.step_titles and node.task_title == name.replace("_", " ").title():
                node.task_title = cls.step_titles[name]

    def _get_urls(self):
        urlpatterns = super()._get_urls()
        for pattern in urlpatterns:
            node = self.node(getattr(pattern, "namespace", None) or "", no_obsolete=True)
            if node is not None:
                own_task_urls_only(node, pattern)
                shown = selectors.OUTCOME_ONLY_STEPS.get(self.process_class)
                if shown is not None and node.name not in shown:
                    _hidden_from_outcome_readers(pattern)
        return urlpatterns

    def has_view_permission(self, user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            # Asked once per flow on every list page: remember the answer on the user.
            if not hasattr(user, "_has_case_role"):
                user._has_case_role = user.is_superuser or user.groups.filter(
                    name__in=ROLE_GROUPS).exists()
            return user._has_case_role
        return selectors.may_view_case(user, obj)


def _hidden_from_outcome_readers(resolver: URLResolver) -> None:
    """Make the task pages under ``resolver`` (a bureau's step of a case that carries a
    record query) answer 404 to whoever may not read the case's route
    (``selectors.reads_outcome_only``: the school that asked, the person's organization,
    whoever may not see the case; ``selectors.tasks_openable_by``), as the pages of a step
    never taken do."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            _hidden_from_outcome_readers(pattern)
        elif "task_pk" in pattern.pattern.converters:
            pattern.callback = _unless_hidden(pattern.callback)


def _unless_hidden(view):
    def checked(request, *args, **kwargs):
        task = Task.objects.select_related("process").filter(pk=kwargs["task_pk"]).first()
        if task is not None and not selectors.tasks_openable_by(request.user, [task]):
            raise Http404
        return view(request, *args, **kwargs)

    update_wrapper(checked, view)
    return checked


class CaseStepsMixin:
    """The automated steps both application flows share: completeness, correction,
    rejection (each calls one service)."""

    def check_completeness(self, activation):
        completeness_services.case_check_completeness(case=activation.process.coerced)

    def send_back(self, activation):
        corrections.case_return_for_correction(case=activation.process.coerced)

    def reject_exhausted(self, activation):
        outcome.case_reject(case=activation.process.coerced,
                            reason=str(_("The documents were still not in order after the "
                                         "maximum number of correction rounds.")))

    def reject_by_decision(self, activation):
        case = activation.process.coerced
        outcome.case_reject(case=case, reason=case.decision_reason)


def tell_queue(activation):
    """A new task in a bureau queue: tell the staff who may take it."""
    notifications.notify_task_queue(activation=activation)


def case_bureau(process):
    return process.coerced.bureau


def case_organization(process):
    return process.coerced.organization


def expert_owner(activation):
    return panel_services.assignment_for_task(activation.task).expert


def opinion_department(activation):
    """The department a partner opinion task is for (each task its own department)."""
    return selectors.partner_opinion_for_task(activation.task).department


def bureau_reader(user, task):
    """Who may open the pages of a confidential task besides its holder: the case's bureau
    staff. An expert's review task: never the applicant (blind, confidential panel: issue 19
    point 5), an expert of another case, nor another expert of the same panel (each scores
    blind); the partner departments' split and join (they list each department's task):
    neither the applicant nor the experts."""
    if not user.is_authenticated:
        return False
    return selectors.panel_view_of(user, task.process.coerced) == selectors.PANEL_BUREAU


def record_check_reader(user, task):
    """Who may open the task of the step a record hit takes (its passage is the query's
    result): those who may read the result (the case's clerk, the bureau's approvers)."""
    if not user.is_authenticated:
        return False
    return selectors.may_read_case_reasons(user, task.process.coerced)


def record_hit_step(callback, process_class):
    """The automated step a case of ``process_class`` (a vetting, a re-certification) takes
    on a record hit: its passage is the record query's result, so its task's pages and rows
    are for those who may read that result only."""
    return ConfidentialFunction(callback).ReadableBy(
        record_check_reader, cases=partial(selectors.record_check_cases_for,
                                           model=process_class))


def panel_step_reader(user, task):
    """Who may open the pages of the panel's split and join (they list every seat's task):
    the case's bureau staff and the experts of its panel, never the applicant."""
    if not user.is_authenticated:
        return False
    return selectors.panel_view_of(user, task.process.coerced) in (selectors.PANEL_BUREAU,
                                                                  selectors.PANEL_EXPERT)


def partner_task_reader(user, task):
    """Who may open a partner department's task pages besides its holder: the case's
    bureau staff, and the department's users. Never the applicant (the task names the
    department's user) nor an expert."""
    if not user.is_authenticated:
        return False
    if task.owner_permission_content_type_id and user.has_perm(task.owner_permission,
                                                                task.owner_permission_obj):
        return True
    return bureau_reader(user, task)


def renewer_permission(activation):
    approval = activation.process.coerced.approval
    if approval.organization_id or approval.person.organization_id:
        return "registry.act_for_organization"
    return "registry.act_for_person"


def renewer_object(process):
    approval = process.coerced.approval
    if approval.organization_id:
        return approval.organization
    return approval.person.organization or approval.person


def clerk_again(activation):
    """The investigation task (again, when a rectification came back): tell the clerks,
    and why the case is open (a low rating's school, figures and term)."""
    notifications.notify_task_queue(
        activation=activation, why=review_causes.review_case_why(activation.process.coerced))
