"""Reads for selection cases: who may see which case, queues, case pages."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from guardian.shortcuts import get_objects_for_user
from viewflow.workflow.models import Process
from viewflow.workflow.status import STATUS

from documents.selectors import documents_of
from registry.models import Bureau, Organization, Person, SchoolTerm
from registry.selectors import audit_trail
from registry.selectors.departments import departments_of_user
from workflows.actor_names import actors_named, user_label
from workflows.case_access import (  # noqa: F401 - who may see which case, re-exported
    BUREAU_PERMS,
    SELECTORS,
    annual_review_cases_for,
    cases_viewed_together,
    may_view_case,
    reads_as_case_staff,
    recertification_cases_for,
    review_cases_for,
    selection_cases_for,
    vetting_cases_for,
)
from workflows.case_access import bureau_ids as _bureau_ids
from workflows.case_access import case_model as _case_model
from workflows.case_access import granted_ids as _granted_ids
from workflows.models import (
    AnnualReviewProcess,
    CaseOutcome,
    Objection,
    PartnerOpinion,
    RecertificationProcess,
    ReviewCaseProcess,
    SelectionProcess,
    VettingProcess,
)
from workflows.provider_cases import case_status_field, provider_cases_of  # noqa: F401
from workflows.record_privacy import (  # noqa: F401 - the record query's rules, re-exported
    OUTCOME_ACTIONS,
    OUTCOME_ONLY_STEPS,
    hidden_steps_q,
    may_read_case_reasons,
    may_read_record_check,
    may_see_vetting_details,
    reads_outcome_only,
    reads_vetting_corrections,
    record_check_cases_for,
    remember_outcome_only,
    route_read_cases_for,
    step_hidden_from,
)


def provider_cases_for(user) -> QuerySet:
    """The cases a provider's account applied for or is the subject of (我的申请), newest
    first, as viewflow's process rows: the selection cases of the organizations it acts for,
    the vetting cases of its own person record and of those organizations' staff, and, once
    approved, their re-certifications and the review cases about them (an annual review is
    the bureau's own). Nobody else's, whatever else the account may see as bureau staff or
    an expert (their queues are elsewhere). ``provider_cases_of`` loads a page of them as
    cases."""
    if not user.is_authenticated:
        return Process.objects.none()
    org_ids = _granted_ids(user, "registry.act_for_organization", Organization)
    person_ids = _granted_ids(user, "registry.act_for_person", Person)
    # one indexed lookup per kind, united: an OR across the kinds' joins scans every case
    kinds = [
        SelectionProcess.objects.filter(organization_id__in=org_ids),
        VettingProcess.objects.filter(Q(person__user=user)
                                      | Q(person__organization_id__in=org_ids)),
        RecertificationProcess.objects.filter(
            Q(approval__organization_id__in=org_ids) | Q(approval__person__user=user)
            | Q(approval__person__organization_id__in=org_ids)),
        ReviewCaseProcess.objects.filter(Q(organization_id__in=org_ids) | Q(person__user=user)
                                         | Q(person_id__in=person_ids)),
    ]
    first, *others = [kind.order_by().values("pk") for kind in kinds]
    return Process.objects.filter(pk__in=first.union(*others)).order_by("-created", "-pk")


def bureaus_opening_for(user):
    """The bureaus where ``user`` may open a review case (a clerk or an administrator)."""
    if not (user and user.is_authenticated):
        return Bureau.objects.none()
    return get_objects_for_user(user, ["registry.clerk_bureau", "registry.administer_bureau"],
                                klass=Bureau, any_perm=True, accept_global_perms=False,
                                with_superuser=False).order_by("pk")


def low_satisfaction_facts(case: ReviewCaseProcess) -> dict | None:
    """What opened a case on a rating under the threshold, for its page: the provider's
    satisfaction in the school term (percent, as the rating pages show it: the mean at
    every school it served in that term), the threshold and the term that was rated. None
    for a case opened on anything else."""
    details = case.details or {}
    if (case.trigger != ReviewCaseProcess.Trigger.LOW_SATISFACTION
            or details.get("satisfaction_share") is None):
        return None
    return {"percent": _percent(details["satisfaction_share"], "0.1"),
            "threshold": _percent(details.get("threshold", 0), "1"),
            "term": SchoolTerm.objects.filter(pk=details.get("term")).first()}


def _percent(share, places: str) -> Decimal:
    return (Decimal(str(share)) * 100).quantize(Decimal(places))


def open_case_about(*, bureau: Bureau, organization=None,
                    person=None) -> ReviewCaseProcess | None:
    """The case already open at ``bureau`` about the provider (a new cause joins it)."""
    subject = {"organization": organization} if organization else {"person": person}
    return (ReviewCaseProcess.objects.filter(bureau=bureau, **subject)
            .exclude(stage=ReviewCaseProcess.Stage.CLOSED).order_by("pk").first())


def notices_open() -> QuerySet:
    """Cases in public notice now (for the public page with the objection form)."""
    return (SelectionProcess.objects
            .filter(outcome=CaseOutcome.OPEN, approval__status="pending",
                    notice_ends_on__gte=timezone.localdate())
            .select_related("organization", "bureau", "approval")
            .prefetch_related("offerings__category")
            .order_by("notice_ends_on", "pk"))


def notice_closed(pk: int) -> SelectionProcess | None:
    """The case ``pk`` if its public notice was opened and is no longer open (it ended, or
    was stopped early: a withdrawal, an upheld objection): what its objection form's address
    says instead of the form. None for a case never in public notice."""
    if notices_open().filter(pk=pk).exists():
        return None
    return (SelectionProcess.objects.filter(pk=pk, notice_ends_on__isnull=False)
            .select_related("organization", "bureau").first())


def case_objections(case) -> QuerySet:
    return Objection.objects.filter(case=case).select_related("resolved_by")


def open_tasks_for(user, case) -> list[dict]:
    """The open human tasks of a case that ``user`` may take or perform, with their links."""
    # The flow apps are mounted under the flow's label (config/site.py).
    namespace = case.flow_class.instance.flow_label
    result = []
    for task in case.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]):
        node = task.flow_task
        if node is None or task.flow_task_type != "HUMAN":
            continue
        if not (node.can_execute(user, task) or node.can_assign(user, task)):
            continue
        url = reverse(f"{namespace}:{node.name}:index", args=[case.pk, task.pk])
        result.append({"task": task, "title": node.task_title, "url": url})
    return result


# --- the case page and the documents beside a task ------------------------------------

CASE_KINDS = {
    "selection": SelectionProcess,
    "vetting": VettingProcess,
    "recertification": RecertificationProcess,
    "annual-review": AnnualReviewProcess,
}


def case_kind(case) -> str:
    model = _case_model(case)
    return next(kind for kind, cls in CASE_KINDS.items() if cls is model)


def case_url(case) -> str:
    """The one page of a case (every task row, notification and count links to it)."""
    if _case_model(case) is ReviewCaseProcess:
        # a review case (after approval) has its own page, with its due-process steps
        return reverse("workflows:review-case", args=[case.pk])
    kind = case_kind(case)
    if kind == "selection":
        return reverse("workflows:case", args=[case.pk])
    return reverse("workflows:case-of", args=[kind, case.pk])


def case_subject(case):
    """The organization or person a case is about."""
    case = getattr(case, "coerced", case)
    if isinstance(case, SelectionProcess):
        return case.organization
    if isinstance(case, VettingProcess):
        return case.person
    if isinstance(case, ReviewCaseProcess):  # about an organization or a person, no approval
        return case.subject
    return case.approval.subject


def case_documents(case) -> QuerySet:
    """The current documents of the case's subject, with their types and the clerk's
    verdicts (one query)."""
    return documents_of(case_subject(case), history=False)


PANEL_BUREAU, PANEL_EXPERT, PANEL_APPLICANT = "bureau", "expert", "applicant"


def panel_view_of(user, case) -> str:
    """How much of the expert panel ``user`` may see on ``case``: all of it (the bureau's
    staff), their own seat and the others' only once their own score is in (an expert), or
    nothing but the outcome (the applicant and anyone else).

    Remembered on ``user`` (a request's user) per case: a page or a list asks it once per
    task of a case (who may open it, who may read its holder), which cost a query per
    expert's task."""
    seen = user.__dict__.setdefault("_panel_views", {})
    if case.pk not in seen:
        if user.is_superuser or case.bureau_id in _bureau_ids(user):
            seen[case.pk] = PANEL_BUREAU
        elif isinstance(case, SelectionProcess) and case.assignments.filter(
                expert=user).exists():
            seen[case.pk] = PANEL_EXPERT
        else:
            seen[case.pk] = PANEL_APPLICANT
    return seen[case.pk]


def may_see_task_holder(user, task) -> bool:
    """Whether ``user`` may read who holds ``task`` (viewflow's task page names them): the
    holder and the case's bureau staff; never the applicant, whom an expert's review task
    would otherwise tell the expert's name."""
    if task.owner_id == user.pk:
        return True
    known = user.__dict__.get("_panel_views", {}).get(task.process_id)  # see panel_view_of
    return (known or panel_view_of(user, task.process.coerced)) == PANEL_BUREAU


def tasks_listed_for(user, tasks: QuerySet, process_model, confidential_nodes) -> QuerySet:
    """``tasks`` (of one flow, whose cases are ``process_model``) without the tasks of
    ``confidential_nodes`` (an expert's review, the panel's split and join, a partner
    department's steps: the nodes with ``ReadableBy``) that ``user`` may not open: those are
    listed to their holder, the case's bureau staff and the partner department asked. The
    engine's dashboard and task list named every task's holder, the experts too, to the
    applicant."""
    hidden = hidden_steps_q(user, process_model)  # to those who read the outcome only
    if hidden is not None:
        tasks = tasks.exclude(hidden)
    if not confidential_nodes or user.is_superuser:
        return tasks
    for node in [n for n in confidential_nodes if n.readable_cases is not None]:
        # a node with its own rule (a record hit's step: the record query's readers)
        tasks = tasks.exclude(Q(flow_task=node) & ~Q(owner_id=user.pk) & ~Q(
            process_id__in=node.readable_cases(user).values("pk")))
    confidential_nodes = [n for n in confidential_nodes if n.readable_cases is None]
    if not confidential_nodes:
        return tasks
    readable = Q(owner_id=user.pk) | Q(process_id__in=process_model.objects.filter(
        bureau_id__in=_bureau_ids(user)).values("pk"))
    departments = departments_of_user(user)
    if departments:
        readable |= Q(owner_permission="registry.opine_department",
                      owner_permission_obj_pk__in=[str(pk) for pk in departments])
    return tasks.exclude(Q(flow_task__in=confidential_nodes) & ~readable)


def tasks_openable_by(user, tasks) -> list:
    """``tasks`` (of one case) without those whose pages ``user`` may not open: the steps
    with ``ReadableBy`` (an expert's review, the panel's split and join, a partner
    department's steps) answer 404 to all but their holder and whom the node's check lets
    in (``workflows.nodes.ReadableByMixin.readable_to``, the rule the pages enforce). A task
    page links its previous and next tasks only through this: a department's opinion task
    linked its department the split that lists the other departments, the applicant's
    pages linked the panel."""
    result = []
    for task in tasks:
        readable_to = getattr(task.flow_task, "readable_to", None)
        if readable_to is not None and not readable_to(user, task):
            continue
        if not step_hidden_from(user, task):  # the bureau's steps, from outcome readers
            result.append(task)
    return result


def task_holder_name(user, task) -> str:
    """Who holds ``task``, in the words ``user`` may read: the holder's full name (never the
    username) to the holder and the case's bureau staff, "taken" to anyone else (the
    applicant, on viewflow's task page, process board and task list, would otherwise read
    its experts' names)."""
    if task.owner_id is None:
        return gettext("Unassigned")
    if may_see_task_holder(user, task):
        return user_label(task.owner)
    return pgettext("task holder hidden", "Taken")


def panel_assignments(user, case) -> list:
    """The panel's seats ``user`` may see, with the scores: blind until one's own is in."""
    view = panel_view_of(user, case)
    if view == PANEL_APPLICANT or not isinstance(case, SelectionProcess):
        return []
    assignments = list(case.assignments.select_related("expert")
                       .prefetch_related("scores__criterion"))
    if view == PANEL_BUREAU:
        return assignments
    own = [a for a in assignments if a.expert_id == user.pk]
    if own and own[0].status == "scored":
        return [a for a in assignments if a.status != "recused" or a.expert_id == user.pk]
    return own


def partner_opinions_for(user, case) -> list:
    """The partner departments' opinions (会审) ``user`` may read on ``case``: all of them
    for the bureau's staff (and who gave each), a department's own for its users, none for
    the applicant, the experts and anyone else."""
    if not isinstance(getattr(case, "coerced", case), SelectionProcess):
        return []
    opinions = PartnerOpinion.objects.filter(case_id=case.pk).select_related(
        "department", "given_by")
    if panel_view_of(user, case) == PANEL_BUREAU:
        return list(opinions)
    departments = departments_of_user(user)
    return list(opinions.filter(department_id__in=departments)) if departments else []


def partner_opinion_for_task(task) -> PartnerOpinion:
    """The opinion a partner department's task asks for (the task's data names it)."""
    return PartnerOpinion.objects.select_related("case", "department").get(
        pk=task.data["opinion"])


# Events of the panel and of objections: the bureau's internal record, not the applicant's.
CONFIDENTIAL_ACTIONS = frozenset({
    "case.experts_drawn", "case.expert_recused", "case.expert_scored",
    "case.expert_no_conflict", "case.scores_summarized", "case.objection_filed",
    "case.objection_acknowledged", "case.objection_investigating",
    "case.partner_opinion_requested", "case.partner_opinion",
})


APPLICANT_ACTIONS = frozenset({"case.apply", "case.resubmit", "case.vetting_start",
                               "case.correction_replace", "case.correction_submit",
                               "case.withdrawn", "recert.submit"})


def case_timeline(user, case, *, limit: int = 200) -> list:
    """Every step of the case (who, when, what, why), newest first, each actor named as
    ``user`` may read them (``workflows.actor_names.actors_named``). The applicant sees the
    bureau's steps under the bureau's name, without the panel's and the objections'."""
    reasons = may_read_case_reasons(user, case)
    staff = panel_view_of(user, case) == PANEL_BUREAU
    events = audit_trail(case) if staff else audit_trail(case).exclude(
        action__in=CONFIDENTIAL_ACTIONS)
    if not staff and reads_outcome_only(user, case):
        events = events.filter(Q(action__in=APPLICANT_ACTIONS | OUTCOME_ACTIONS)
                               | Q(actor_id=user.pk))
    events = list(events[:limit])
    for event in events:
        if not staff and event.action == "case.objection_resolved":
            # the finding is the bureau's (it may name the objector): the applicant reads
            # what they were told (workflows.services.objections.told_to_applicant)
            event.reason = (event.data or {}).get("told_to_applicant", "")
        others = staff or event.actor_id != user.pk
        if not reasons and others and event.action not in APPLICANT_ACTIONS:
            event.reason = ""
    actors_named(user, case, events, staff=staff)
    return events
