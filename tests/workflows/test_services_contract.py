"""The services' contract, checked over every public function rather than by example.

1. Every public function of a services module that writes rows is ``@transaction.atomic``
   itself: it commits or rolls back whole whoever calls it (a view, a task, a flow step
   inside viewflow's locked transaction, where it is a cheap savepoint).
2. Every writer of ``workflows.services`` leaves its audit event (it calls the audit helper,
   or ends the case through the function that does), or says here why not.
3. ``workflows.services`` never imports the modules above it (flows, forms, views, api,
   tasks, site): the flows import the services, and a process starts through
   ``workflows.entry``.

A public function that is not atomic must be listed below with the reason: a read, a
check that raises, or a batch that commits item by item on purpose. Adding an unwrapped
writer, or a writer of ``workflows.services`` that leaves no audit event, fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.db import transaction

import workflows.services
import workflows.services.checks

# A batch commits each item in its own transaction on purpose: one transaction around the
# whole batch would hold every row lock until the end, and a failure at item 400 would roll
# back 399 items already done (and, for the outbox, emails already sent would be sent again).
BATCH = "batch: one transaction per item, on purpose (locks held briefly, progress kept)"
READ = "reads only"
CHECK = "a check: reads and raises, writes nothing"

# the admin's event builders are written inside the admin's own atomic save
ADMIN_BUILDS = "builds audit events for the admin's own atomic save"
EXEMPT = {
    "registry.services.administration.admin_event": ADMIN_BUILDS,
    "registry.services.administration.admin_saved_events": ADMIN_BUILDS,
    "registry.services.administration.roles_by_codename": READ,
    "registry.services.after_approval.bureau_yearly_date": READ,
    "registry.services.core.own_account_lock": (
        "a row lock taken inside its caller's transaction, which it must not end: writes "
        "nothing"),
    "registry.services.after_approval.bureaus_due": READ,
    "registry.services.after_approval.requeries_open": BATCH,
    "registry.services.after_approval.requeries_suspend_overdue": BATCH,
    "registry.services.after_approval.term_evaluations_request": BATCH,
    "registry.services.after_approval.term_reminders_send": BATCH,
    "registry.services.changes.may_review": READ,
    "registry.services.contracts.may_act_for_provider": READ,
    "registry.services.core.require_perm": CHECK,
    "registry.services.engagements.fee_within_limits": CHECK,
    "registry.services.engagements.roster_approval_for": READ,
    "registry.services.engagements.engagement_grades": CHECK,
    "registry.services.holds.approval_held_by": READ,
    "registry.services.holds.held_by_label": "formats text; no database",
    "registry.services.photos.may_manage_photo": READ,
    "registry.services.list_exports.list_export_name": "names a file; no database",
    "registry.services.list_exports.list_export_stored": "opens a stored file; no database",
    "registry.services.list_exports.list_export_store": "stores a file (a cache); no database",
    "registry.services.list_exports.list_export_tee": "stores a file (a cache); no database",
    "registry.services.photos.permit_photo_open": "opens a stored file; no database write",
    "registry.services.photos.permit_photo_bytes": "reads a stored file; no database write",
    "registry.services.photos.photo_image_clean": "re-encodes an uploaded image; no database",
    "registry.services.membership.invitation_from_token": READ,
    "registry.services.membership.invitation_spent": READ,
    "registry.services.publications.publication_preview": READ,
    "registry.services.jobs.is_bureau_staff": READ,
    "registry.services.jobs.job_runner_register": "fills an in-memory hook at start-up",
    "registry.services.jobs.job_run": (
        "the worker's run of a background job: its start, its work and its end each commit "
        "alone on purpose (the page follows the job while it runs, and a failure is "
        "recorded although the work rolled back)"),
    "registry.services.jobs.jobs_resend_stalled": (
        "the beat's sweep of queued jobs, and of running jobs whose worker died: each job's "
        "send, restart or failure is claimed by its own conditional UPDATE, committed before "
        "the message goes to the broker (a transaction around the sweep would hand the "
        "worker a job whose claim it cannot see yet)"),
    "workflows.services.list_review.list_review_job_run": (
        "a background job's runner: list_review_start, which it calls, is the atomic and "
        "audited writer"),
    "registry.services.holds.approval_hold_check_register": "fills an in-memory hook at start-up",
    "registry.services.consent.requery_consent_evidence_register":
        "fills an in-memory hook at start-up",
    "registry.services.consent.requery_consent_on_record": READ,
    "registry.services.consent.requery_consents": READ,
    "registry.services.review_hooks.review_case_opener_register":
        "fills an in-memory hook at start-up",
    "workflows.services.corrections.correction_items": READ,
    "workflows.services.list_review.list_review_progress": READ,
    "workflows.services.review_cases.case_url": READ,
    "workflows.services.review_evidence.may_act_for_provider": READ,
    "workflows.services.partner.partner_departments_needed": READ,
    "workflows.services.partner.partner_opinions_needed": READ,
    "workflows.services.review_rectification.rectification_accepted": READ,
    "workflows.services.review_rectification.rectification_follows": READ,
    "workflows.services.review_cases.review_cases_tick": BATCH,
    "workflows.services.review_evidence.may_read_evidence": READ,
    "registry.services.renewal_term.renewal_document_limit_register":
        "fills an in-memory hook at start-up",
    "registry.services.renewal_term.approval_renewal_end": READ,
    "registry.services.renewal_term.approval_renewal_term": READ,
    "registry.services.evaluations.rubric_scores_clean": CHECK,
    "registry.services.sanction_reach.provider_users_and_roster": READ,
    # workflows.services
    "workflows.services.notifications.notifications_send": BATCH,
    "workflows.services.notifications.subject_name": "formats a name; no database",
    "workflows.services.notifications.site_url": "formats an address; no database",
    "workflows.services.notifications.about_name": "formats a name; no database",
    "workflows.services.notifications.email_subject": "formats a subject; no database",
    "workflows.services.corrections.case_corrections_exhausted": READ,
    "workflows.services.corrections.corrections_reject_overdue": BATCH,
    "workflows.services.panel.expert_pool_check": CHECK,
    "workflows.services.outcome.case_decider_check": CHECK,
    "workflows.services.outcome.case_decider_barred": READ,
    "workflows.services.review_cases.review_case_decider_barred": READ,
    "workflows.services.review_cases.review_case_reexaminer_barred": READ,
    "workflows.services.review_cases.review_case_decider_check": CHECK,
    "workflows.services.review_cases.review_case_reexaminer_check": CHECK,
    "workflows.services.panel.assignment_for_task": READ,
    "workflows.services.notice.notice_deadline": "computes a datetime; no database",
    "workflows.services.notice.notice_outcome": READ,
    "workflows.services.objections.told_to_applicant": "formats what is told; no database",
    "workflows.services.vetting.vetting_corrector": READ,
    "workflows.services.selection.selection_corrector": READ,
    "workflows.services.reminders.reminders_record": "set-based: each statement is one "
        "INSERT … SELECT … ON CONFLICT DO NOTHING, atomic by itself; one transaction around "
        "them all would keep a concurrent sweep waiting on the first one's rows",
    "workflows.services.reminders.reminders_deliver": BATCH,
    "workflows.services.reminders.digests_send": BATCH,
    "workflows.services.recertification.approvals_suspend_expired": BATCH,
    "workflows.services.lapses.due_types": READ,
    "workflows.services.lapses.sweep_pass": READ,
    "workflows.services.lapses.suspension_candidates": READ,
    "workflows.services.recertification.recertifications_expire_after_grace": BATCH,
    "workflows.services.annual_review.annual_reviews_open": BATCH,
    "workflows.services.annual_review.annual_review_evidence": READ,
    "workflows.services.sweep.credential_sweep": "runs the batches above, each of its own",
    "workflows.services.sweep.approvals_expire_term": BATCH,
    # registry.services
    "registry.services.core.audit_record": "one INSERT, made inside the caller's "
                                           "transaction (the change it records)",
    "registry.services.core.audit_record_many": "one INSERT, made inside the caller's "
                                                "transaction (the change it records)",
    "registry.services.core.audit_event": "builds an unsaved event; no database write",
    "registry.services.core.approval_open_check": CHECK,
    "registry.services.engagements.external_project_limit": READ,
    "registry.services.evaluations.satisfaction_share": READ,
    "registry.services.policy.offering_screen": READ,
    "registry.services.policy.offerings_screen": READ,
    "registry.services.policy.offerings_require_allowed": CHECK,
    "registry.services.policy.offering_terms_validate": CHECK,
    "registry.services.blacklist.reach_check_register": "fills an in-memory hook at start-up",
    "registry.services.blacklist.provider_within_reach": READ,
    "registry.services.blacklist.deciding_bureau": READ,
    "registry.services.blacklist.provincial_bureau": READ,
    "registry.services.blacklist.may_act_as_person": READ,
    "registry.services.sanctions.is_blacklisted_subject": READ,
    "registry.services.search.search_availability_rebuild": BATCH,
    "registry.services.search.search_index_rebuild": BATCH,
    # documents.services
    "documents.services.too_large_error": "builds an error; no database",
    "documents.services.inspect_upload": "inspects an uploaded file; no database",
    "documents.services.store_with_row": "its transaction is inside, so that the file "
        "stored with the rows is removed once the rows roll back",
}

# Writers not wrapped yet (strict: once one is wrapped this test says so, and its line here
# must go). Empty: every writer is atomic itself.
NOT_YET_ATOMIC: set[str] = set()

# How a workflows writer leaves its audit event: the helper, or a function that calls it.
# (review_cases._audit prefixes its actions with "review_case." and calls audit_record)
AUDIT_CALLS = {"audit", "audit_record", "audit_record_many", "case_finish", "_finish", "_audit"}
# Writers of workflows.services whose audit event another service writes, or that change
# no state worth an event.
AUDITED_ELSEWHERE = {
    "workflows.services.recertification.credential_hold_check":
        "the flow's start step (recertification_create) records recert.open; "
        "registry's approval_reinstate records the hold",
    "workflows.services.list_review.list_review_job_run":
        "list_review_start records list_review.start; registry's job_run the job's end",
    "workflows.services.notifications.notify": "a message to users, not a state change",
    "workflows.services.lapses.watermark_advance": (
        "the sweep's own bookkeeping (how far it has read), not a state of a case or an "
        "approval; each suspension it follows is audited"),
    "workflows.services.notifications.notify_many": "messages to users (as notify)",
    "workflows.services.notifications.notify_private_news": "a message (through notify)",
    "workflows.services.notifications.notify_task_queue": "a message (through notify)",
    "workflows.services.completeness.check_document_decisions":
        "documents_review records one event per document",
    "workflows.services.selection.selection_apply":
        "the flow's start step (selection_create) records case.apply",
    "workflows.services.vetting.vetting_start":
        "the flow's start step (vetting_create) records case.vetting_start; "
        "consent_give records the consent",
    "workflows.services.vetting.vetting_record_check_read":
        "personal_data_access_record logs the read",
    "workflows.services.outcome.case_reject": "case_finish records the outcome",
}

# The layers above the services, which the services must never import.
ABOVE = ("workflows.flows", "workflows.forms", "workflows.views", "workflows.api",
         "workflows.tasks", "workflows.site", "workflows.task_actions",
         "workflows.dashboard", "workflows.urls", "workflows.api_urls")


def _modules(package_name: str) -> list:
    package = importlib.import_module(package_name)
    if not hasattr(package, "__path__"):
        return [package]
    return [importlib.import_module(f"{package_name}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def _public_functions():
    for package in ("workflows.services", "registry.services", "documents.services"):
        for module in _modules(package):
            if module.__name__.rsplit(".", 1)[-1].startswith("_"):
                continue
            if module.__name__ == "workflows.services.checks":
                continue  # rules that read and raise (its docstring); see test below
            for name, function in vars(module).items():
                if (not name.startswith("_") and inspect.isfunction(function)
                        and function.__module__ == module.__name__):
                    yield f"{module.__name__}.{name}", function


def is_atomic(function) -> bool:
    """Whether ``function`` is wrapped by ``@transaction.atomic``: Django's decorator
    returns a wrapper whose closure holds the ``Atomic`` it enters on every call."""
    return any(isinstance(getattr(cell, "cell_contents", None), transaction.Atomic)
               for cell in (function.__closure__ or ()))


FUNCTIONS = dict(_public_functions())


def test_the_walk_finds_the_services():
    # the walk itself can fail: it must see the known writers of every package
    for name in ("workflows.services.selection.selection_apply",
                 "workflows.services.vetting.vetting_verify",
                 "workflows.services.recertification.recertification_verify",
                 "registry.services.core.approval_transition",
                 "documents.services.documents_review"):
        assert name in FUNCTIONS
    assert len([n for n in FUNCTIONS if n.startswith("workflows.")]) > 40


def test_the_detection_tells_wrapped_from_unwrapped():
    @transaction.atomic
    def wrapped():
        pass

    def bare():
        pass

    assert is_atomic(wrapped) and not is_atomic(bare)


def test_the_lists_name_only_existing_functions():
    for name in (*EXEMPT, *NOT_YET_ATOMIC, *AUDITED_ELSEWHERE):
        assert name in FUNCTIONS, f"{name} is listed here but no longer exists"


@pytest.mark.parametrize("name", sorted(n for n in FUNCTIONS if n not in EXEMPT))
def test_every_public_writer_is_atomic_itself(name, request):
    if name in NOT_YET_ATOMIC:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason="a writer not wrapped yet"))
    assert is_atomic(FUNCTIONS[name]), (
        f"{name} is public and not @transaction.atomic: wrap it, or list it in EXEMPT "
        "with the reason (a read, a check, a batch)")


def _calls(function) -> set[str]:
    tree = ast.parse(inspect.getsource(inspect.unwrap(function)).lstrip())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = node.func
            names.add(target.attr if isinstance(target, ast.Attribute)
                      else getattr(target, "id", ""))
    return names


@pytest.mark.parametrize("name", sorted(
    n for n in FUNCTIONS if n.startswith("workflows.") and n not in EXEMPT))
def test_every_workflows_writer_leaves_an_audit_event(name):
    if name in AUDITED_ELSEWHERE:
        return
    assert _calls(FUNCTIONS[name]) & AUDIT_CALLS, (
        f"{name} writes but records no audit event: call audit() in the same transaction, "
        "or list it in AUDITED_ELSEWHERE with the reason")


def test_checks_write_nothing():
    """``workflows.services.checks`` is exempt as a whole: nothing in it saves a row."""
    source = Path(workflows.services.checks.__file__).read_text()
    tree = ast.parse(source)
    writes = {"save", "create", "bulk_create", "update", "delete", "get_or_create",
              "update_or_create", "audit_record"}
    called = {node.func.attr for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not called & writes


def test_services_never_import_the_layers_above():
    root = Path(workflows.services.__file__).parent
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                imported = [a.name for a in node.names]
            else:
                continue
            for name in imported:
                assert not name.startswith(ABOVE), f"{path.name} imports {name}"
