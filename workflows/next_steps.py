"""What happens next on a case, as its provider reads it on the case's page: one line for
each state, all of them here rather than in the templates.

A case's state is the step of its flow it waits at (the node of its newest unfinished task:
``qualification``, ``correction``, ``notice`` …), or, once it ended, its outcome
(``approved``, ``rejected``, ``withdrawn``). The line says who acts next and what the
provider may or must do; the deadlines it names are the ones the page shows beside it, and
the periods it counts are the settings in force.

Who reads which line follows the record query's rules (``workflows.record_privacy``): one
who reads a vetting's outcome only (the person's organization) is never told a step of the
bureau's that would say how the record query went (a clear query leads to the decision, a
hit straight to the end), nor why a vetting ended without approval.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from workflows.models import CaseOutcome

# Told to a provider who reads a vetting's outcome only, whatever step of the bureau's it
# waits at
UNDER_REVIEW = _("Next: the bureau reviews the case. You are told here when it needs "
                 "something from you, and when it ends.")

_CORRECTION = _(
    "Next, it is your turn: correct or replace each item under “To correct” and send the "
    "correction (the “Correct the application” button above) before the time under "
    "“Correction due”. An application still incomplete after %(rounds)s rounds of "
    "correction, or not corrected in time, is rejected.")
_WITHDRAWN = _("The application was withdrawn and is closed. To be considered, apply anew.")

# kind of case → state → what happens next
NEXT_STEPS = {
    "selection": {
        "qualification": _(
            "Next: the bureau's clerk checks your documents and qualifications. If "
            "something is missing or wrong, the application comes back to you here to "
            "correct it; otherwise a panel of experts scores it."),
        "correction": _CORRECTION,
        "expert_review": _(
            "Next: a panel of the bureau's experts scores the application (who they are is "
            "not shown to applicants); then the bureau's approver decides."),
        "partner_review": _(
            "Next: a partner department (sports, culture and tourism, or science) gives its "
            "opinion on the offerings it oversees; then the bureau's approver decides."),
        "decision": _(
            "Next: the bureau's approver decides. An approval is first put to public notice "
            "(公示) for %(notice_days)s working days before it takes effect."),
        "notice": _(
            "Next: the approval is in public notice (公示) until the date under “Public "
            "notice ends on”; anyone may object to it, with their real name. If no objection "
            "is upheld, it takes effect the day after: schools of the bureau's area then "
            "find you in their search, and the bureau's next published list names you."),
        "resolve_objections": _(
            "Next: the public notice has ended and the bureau's clerk settles the objections "
            "made during it. If none is upheld, the approval takes effect."),
        "approved": _(
            "Approved: schools of the bureau's area find you in their search, and the "
            "bureau's next published list names you. Keep your documents valid: you are "
            "reminded before one expires, and an expired one suspends the approval until "
            "you renew it."),
        "rejected": _(
            "The application was rejected, for the reason given above. You may put right "
            "what it names and apply again. If you think the decision is wrong, you may ask "
            "the bureau, in writing and with your reasons, to re-examine it (复核)."),
        "withdrawn": _WITHDRAWN,
    },
    "vetting": {
        "verification": _(
            "Next: the bureau's clerk checks the documents and makes the mandatory record "
            "query (入职查询), with the person's consent. If something is missing or wrong, "
            "the case comes back here to correct it; otherwise the bureau's approver "
            "decides."),
        "correction": _CORRECTION,
        "decision": _(
            "Next: the bureau's approver decides which categories and grades may be taught. "
            "An approval lasts at most %(approval_days)s days: the record query is repeated "
            "every year."),
        "approved": _(
            "Approved: schools of the bureau's area can find and engage this person. The "
            "record query is repeated every year; keep the documents valid: you are "
            "reminded before one expires."),
        "rejected": _(
            "The vetting ended without approval. You may put right what the bureau names "
            "and apply again. If you think the decision is wrong, you may ask the bureau, "
            "in writing and with your reasons, to re-examine it (复核)."),
        "withdrawn": _WITHDRAWN,
    },
    "recertification": {
        "renew": _(
            "Next, it is your turn: upload the renewed documents (the “Upload the renewed "
            "documents” button above) by the date under “Renewal due by”. Until the bureau "
            "accepts them the approval stays suspended."),
        "recert_verify": _(
            "Next: the bureau's clerk checks the renewed documents. If they are in order, "
            "the approval is in force again."),
        "approved": _("The renewal was accepted: the approval is in force again."),
        # closed by the system when the grace period ran out (``outcome_code``)
        "not_renewed": _(
            "The renewed documents were not uploaded within the grace period, so the "
            "approval has expired and this case is closed: schools can no longer engage you "
            "under it, and it cannot be restored. To be approved again, apply anew."),
    },
}

# the steps of a vetting (and of a person's re-certification) that belong to the applicant
# side, or say nothing of the record query: told to an outcome-only reader as they are
_OUTCOME_ONLY_STATES = {"correction", "renew", "approved", "withdrawn", "not_renewed"}

_UNFINISHED = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED]


def case_state(case, kind: str) -> str:
    """Where ``case`` stands: its outcome once it ended, else the step its newest
    unfinished task (of a step ``NEXT_STEPS`` names for ``kind``) waits at; "" while only a
    background step runs (for a second, after the last action)."""
    named = NEXT_STEPS.get(kind, {})
    if case.outcome != CaseOutcome.OPEN:
        # how the system closed a re-certification, where it has its own line
        code = getattr(case, "outcome_code", "")
        return code if code in named else case.outcome
    for task in case.task_set.filter(status__in=_UNFINISHED).order_by("-pk"):
        node = task.flow_task
        if node is not None and node.name in named:
            return node.name
    return ""


def next_step(case, kind: str, *, outcome_only: bool) -> str:
    """The line that tells the provider what happens next on ``case`` (a case of ``kind``,
    as ``selectors.case_kind`` names it), or "". ``outcome_only``: the reader may not read
    the route of the case (``selectors.reads_outcome_only``)."""
    if kind not in NEXT_STEPS:
        return ""
    state = case_state(case, kind)
    if not state:
        return ""
    if getattr(case, "query_result", "") == "hit" and state == CaseOutcome.REJECTED:
        return ""  # the person is told of the re-check (复查) on the page; nobody else more
    if outcome_only and state not in _OUTCOME_ONLY_STATES:
        return "" if state == CaseOutcome.REJECTED else str(UNDER_REVIEW)
    text = NEXT_STEPS[kind].get(state)
    if text is None:
        return ""
    return str(text) % {
        "rounds": settings.WORKFLOW_MAX_CORRECTION_ROUNDS,
        "notice_days": settings.WORKFLOW_NOTICE_WORKING_DAYS,
        "approval_days": settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS,
    }
