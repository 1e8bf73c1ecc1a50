"""Who reads what of a record query (入职查询) and of the cases that carry one.

The query's result is sensitive personal data (PIPL: only those who must see it, every
read recorded): the case's clerk and the bureau's approvers read it. A case that carries a
record query (a vetting; a person's re-certification, whose yearly query may hit) tells
it by more than the result: by its reasons, and by its route (a rejection on a hit passes
a step of its own and skips the approver's decision). So:

- its reasons are the result's readers' (``may_read_case_reasons``);
- the step a hit takes is theirs alone (``workflows.flow_parts.record_hit_step``);
- its route (the bureau's steps) is read by the person (and who acts for them as that
  person: who may ask for a re-check, 复查, must know), the case's bureau staff and its
  clerk (``route_read_cases_for``). Its outcome-only readers (``reads_outcome_only``), who
  may see the case but are none of those, see the applicant side's steps, their own and
  the outcome, which read the same whichever route the case took: the school that asked
  for a vetting, and the person's organization (its providers: an employer needs the
  outcome, and what it must do, the corrections and renewals, not why). Whoever may not
  see the case at all gets no page of its bureau's steps either.

``workflows.selectors`` re-exports these rules: the task lists, task pages, flow chart and
history apply them there.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from registry.models import Person
from workflows import entry
from workflows.case_access import (
    SELECTORS,
    bureau_ids,
    case_model,
    granted_ids,
    reads_as_case_staff,
)
from workflows.models import CaseOutcome, RecertificationProcess, VettingProcess

# The kinds of case that carry a record query, the flow each is a case of, and the steps
# (the engine's nodes) their outcome-only readers see: the applicant side's and the ends.
OUTCOME_ONLY_STEPS = {
    VettingProcess: frozenset({"start", "correction", "approved_end", "rejected_end"}),
    # one whose renewal the clerk had not checked when time ran out ends cancelled, without
    # its end node: an end seen would say that the check was made
    RecertificationProcess: frozenset({"start", "renew"}),
}
FLOW_KEYS = {VettingProcess: "vetting", RecertificationProcess: "recertification"}
# ... and the history events they see besides the applicant side's and their own
OUTCOME_ACTIONS = frozenset({"case.approved", "case.rejected", "case.withdrawn",
                             "recert.open", "recert.approved", "recert.rejected"})
# where each kind names the person its record query is about
_PERSON = {VettingProcess: "person", RecertificationProcess: "approval__person"}


def carries_record_query(case) -> bool:
    """Whether ``case`` may carry a record query, or name one's finding: a vetting, or the
    re-certification of a person's approval (its yearly query; a hold on the approval that
    its reasons name)."""
    case = getattr(case, "coerced", case)
    if isinstance(case, RecertificationProcess):
        return case.approval.person_id is not None
    return isinstance(case, VettingProcess)


def may_see_vetting_details(user, case: VettingProcess) -> bool:
    """Whether ``user`` sees why a vetting case stands as it does (the documents to
    correct, the reasons): the person, their organization's providers, the bureau's staff.
    A school that asked for the vetting learns only the outcome."""
    if case.person.user_id == user.pk or reads_as_case_staff(user, case):
        return True  # the staff's bureaus asked once per request, not once per case
    return bool(case.person.organization_id) and user.has_perm(
        "registry.act_for_organization", case.person.organization)


def reads_vetting_corrections(user, case: VettingProcess) -> bool:
    """Whether ``user`` reads what ``case`` asks to correct (``missing``): who sees why it
    stands (``may_see_vetting_details``), and of them an outcome-only reader
    (``reads_outcome_only``: the person's organization) only while the case is open, when
    it must correct them. Once closed, the items say how it ended: a rejection on a record
    hit leaves what was sent back uncorrected, where any other route to an end corrects it
    first (a rejection by decision follows a clear check of corrected documents)."""
    if not may_see_vetting_details(user, case):
        return False
    return case.outcome == CaseOutcome.OPEN or not reads_outcome_only(user, case)


def may_read_record_check(user, case) -> bool:
    """Record-check results (入职查询) of a vetting or a re-certification: the case's clerk
    and the bureau's approvers only."""
    if not (user.is_authenticated and user.is_active):
        return False
    return case.checked_by_id == user.pk or user.has_perm("registry.approve_bureau",
                                                          case.bureau)


def record_check_cases_for(user, model=VettingProcess) -> QuerySet:
    """The cases of ``model`` whose record query ``user`` may read (``may_read_record_check``
    as a query: the engine's task lists show the step a record hit takes to them only)."""
    if not (user.is_authenticated and user.is_active):
        return model.objects.none()
    return model.objects.filter(
        Q(checked_by=user) | Q(bureau_id__in=bureau_ids(user, ["registry.approve_bureau"])))


def may_read_case_reasons(user, case) -> bool:
    """Whether ``user`` reads the reasons the bureau gave on ``case`` (its outcome, its
    decision, its steps). The reasons of a case that carries a record query may name its
    result, so only those who may read that result see them; the others learn the outcome
    (and the person, the documents to correct). Other cases' reasons are their parties'."""
    if not carries_record_query(case):
        return True
    return user.is_superuser or may_read_record_check(user, getattr(case, "coerced", case))


def route_read_cases_for(user, model=VettingProcess) -> QuerySet:
    """The cases of ``model`` (a kind that carries a record query) whose route ``user``
    reads, the bureau's steps with the applicant's: of those ``user`` may see, the ones about
    a person ``user`` is or acts for as that person, at a bureau ``user`` is staff of, or
    checked by ``user`` (and an organization's re-certifications, which carry no query).
    Whoever else sees such a case (the school that asked for a vetting, the person's
    organization) reads its outcome only (``reads_outcome_only``)."""
    person = _PERSON[model]
    if not user.is_authenticated:
        return model.objects.none()
    if user.is_superuser:
        return model.objects.all()
    acted_for = granted_ids(user, "registry.act_for_person", Person)
    return SELECTORS[model](user).filter(
        Q(**{f"{person}__isnull": True}) | Q(**{f"{person}__user": user})
        | Q(**{f"{person}_id__in": acted_for}) | Q(checked_by=user)
        | Q(bureau_id__in=bureau_ids(user)))


def reads_outcome_only(user, case) -> bool:
    """Whether ``user``, signed in, may not read the route of ``case`` (a kind that carries
    a record query; ``route_read_cases_for``): who may see the case then reads only the
    applicant side's steps, their own and the outcome; the bureau's steps told a rejection
    on a record hit from one by the approver's decision (a decision follows a clear query
    only). Whoever may not see the case at all reads none of its steps either.

    Remembered on ``user`` (a request's user) per case: a page asks it once per task."""
    model = case_model(case)
    if model not in OUTCOME_ONLY_STEPS or not user.is_authenticated:
        return False
    seen = user.__dict__.setdefault("_outcome_only", {})
    if case.pk not in seen:
        seen[case.pk] = not route_read_cases_for(user, model).filter(pk=case.pk).exists()
    return seen[case.pk]


def remember_outcome_only(user, cases) -> None:
    """Ask ``reads_outcome_only`` of a page of ``cases`` (of one kind) at once: one query
    for the page, where a list asking case by case would cost one per case."""
    cases = [case for case in cases if case_model(case) in OUTCOME_ONLY_STEPS]
    if not cases or not user.is_authenticated:
        return
    seen = user.__dict__.setdefault("_outcome_only", {})
    readable = set(route_read_cases_for(user, case_model(cases[0])).filter(
        pk__in=[case.pk for case in cases]).values_list("pk", flat=True))
    seen.update({case.pk: case.pk not in readable for case in cases})


def step_hidden_from(user, task) -> bool:
    """Whether the page of ``task`` is hidden from ``user``: not their own task, and a step
    besides the applicant side's of a case whose route they may not read
    (``reads_outcome_only``)."""
    steps = OUTCOME_ONLY_STEPS.get(case_model(task.process))
    return (steps is not None and task.flow_task.name not in steps
            and task.owner_id != user.pk and reads_outcome_only(user, task.process))


def hidden_steps_q(user, model) -> Q | None:
    """``step_hidden_from`` as a condition on the tasks of ``model``'s cases (the engine's
    task lists leave them out), or None where nothing is hidden."""
    steps = OUTCOME_ONLY_STEPS.get(model)
    if steps is None or user.is_superuser:
        return None
    shown = [node for node in entry.flow(FLOW_KEYS[model]).instance.nodes()
             if node.name in steps]
    return (~Q(flow_task__in=shown) & ~Q(owner_id=user.pk)
            & ~Q(process_id__in=route_read_cases_for(user, model).values("pk")))
