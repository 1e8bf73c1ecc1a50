"""The yearly review of a bureau's whole list (留库审查).

A bureau administrator starts it: every approval in force on the bureau's list gets an
annual review case (``AnnualReviewFlow``) at once, with its review task waiting in the
administrators' queue; the page shows progress (done / open / overdue); when the reviews
are done the administrator publishes the next list version, whose diff shows the changes.

Opening the cases is set-based: a fixed number of INSERT … SELECT statements write the
process rows, the cases, their start and review tasks, the task links and the audit
events, whatever the number of approvals (``bench.probes list_review`` measures it). The
rows are exactly those viewflow's ``start.run`` writes for one case (the approval as the
process's seed), so each case goes on through the flow as any other.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task

from registry import services as registry_services
from registry.formatting import local_date
from registry.models import Approval, AuditEvent, Bureau, Publication
from registry.selectors.sql import column, table
from workflows import entry, recipients
from workflows.models import AnnualReviewProcess, ListReview
from workflows.services.notifications import notify

# the annual reviews of a list review are due this many days after it starts
LIST_REVIEW_DAYS = 30


def _require_admin(actor, bureau: Bureau) -> None:
    if actor is None or not actor.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied(_("Only an administrator of this bureau may do this."))


@transaction.atomic
def list_review_start(*, actor, bureau: Bureau) -> ListReview:
    """Start this year's review of the bureau's list: open an annual review for every
    approval in force on it (one under review now, or reviewed today, is left as it is)."""
    _require_admin(actor, bureau)
    bureau = Bureau.objects.select_for_update(of=("self",)).get(pk=bureau.pk)
    today = timezone.localdate()
    if ListReview.objects.filter(bureau=bureau, year=today.year).exists():
        raise ValidationError(_("This year's review of the list has already been started."),
                              code="started")
    review = ListReview.objects.create(
        bureau=bureau, year=today.year, started_on=today, started_by=actor,
        due_on=today + datetime.timedelta(days=LIST_REVIEW_DAYS))
    review.opened = _open_in_bulk(review, today)
    review.save(update_fields=["opened"])
    registry_services.audit_record(actor=actor, action="list_review.start", target=review,
                                   to_state="open", data={"opened": review.opened})
    notify(users=recipients.staff_of(bureau, "administer_bureau"),
           subject=_("Yearly review of the list: %(n)d annual reviews are waiting")
           % {"n": review.opened},
           body=_("Decide each by %(date)s; then publish the next list version.")
           % {"date": local_date(review.due_on)},
           # the list of the cases it counts, each linking to its case's page
           url=reverse("workflows:list-reviews", args=[bureau.pk]), about=bureau)
    return review


def _open_in_bulk(review: ListReview, today: datetime.date) -> int:
    """Write the annual review cases of ``review`` with INSERT … SELECT: one statement
    per table, none per approval."""
    flow_class = entry.flow("annual_review")
    flow_ref = f"{flow_class.__module__.replace('.', '/', 1)}.{flow_class.__name__}"
    flow_ref = "workflows/flows." + flow_class.__name__
    node = flow_class.review
    permission = node._owner_permission if isinstance(node._owner_permission, str) else \
        "registry.administer_bureau"
    approval_type = ContentType.objects.get_for_model(Approval)
    bureau_type = ContentType.objects.get_for_model(Bureau)
    case_type = ContentType.objects.get_for_model(AnnualReviewProcess)
    now = timezone.now()
    try:
        period_start = today.replace(year=today.year - 1)
    except ValueError:
        period_start = today - datetime.timedelta(days=365)
    ops = connection.ops
    now_db, today_db = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(today)
    process, case, task = table(Process), table(AnnualReviewProcess), table(Task)
    approval = table(Approval)
    previous = Task.previous.through._meta.db_table
    audit = table(AuditEvent)
    c = column
    with connection.cursor() as cursor:
        # 1. the processes, each seeded with its approval (in force, not under review now)
        cursor.execute(
            f"INSERT INTO {process} ({c(Process, 'flow_class')}, {c(Process, 'status')}, "  # noqa: S608
            f"{c(Process, 'created')}, {c(Process, 'data')}, "
            f"{c(Process, 'seed_content_type')}, {c(Process, 'seed_object_id')}) "
            f"SELECT %s, 'NEW', %s, '{{}}', %s, a.{c(Approval, 'id')} FROM {approval} a "
            f"WHERE a.{c(Approval, 'status')} = 'approved' "
            f"AND a.{c(Approval, 'jurisdiction')} = %s "
            f"AND a.{c(Approval, 'valid_from')} <= %s AND a.{c(Approval, 'valid_until')} >= %s "
            f"AND NOT EXISTS (SELECT 1 FROM {case} r WHERE "
            f"r.{c(AnnualReviewProcess, 'approval')} = a.{c(Approval, 'id')} "
            f"AND (r.{c(AnnualReviewProcess, 'decision')} = '' "
            f"OR r.{c(AnnualReviewProcess, 'period_end')} = %s))",
            [flow_ref, now_db, approval_type.pk, review.bureau.jurisdiction_id, today_db,
             today_db, today_db])
        # 2. the cases: the processes just written are those seeded by an approval without
        # a case row yet (start.run writes both in one transaction, so no other is). The
        # year reviewed starts a year back, but not before the approval came into force nor
        # before the end of its last decided review (annual_review._period_start): one
        # indexed look-up per case (the approval by its key, its reviews by theirs)
        year_ago = ops.adapt_datefield_value(period_start)
        cursor.execute(
            f"INSERT INTO {case} ({c(AnnualReviewProcess, 'process_ptr')}, "  # noqa: S608
            f"{c(AnnualReviewProcess, 'period_start')}, {c(AnnualReviewProcess, 'period_end')}, "
            f"{c(AnnualReviewProcess, 'decision')}, {c(AnnualReviewProcess, 'reason')}, "
            f"{c(AnnualReviewProcess, 'approval')}, {c(AnnualReviewProcess, 'bureau')}, "
            f"{c(AnnualReviewProcess, 'list_review')}) "
            f"SELECT x.id, CASE WHEN x.reviewed_to > x.start_on THEN x.reviewed_to "
            f"ELSE x.start_on END, %s, '', '', x.approval_id, %s, %s FROM ("
            f"SELECT p.{c(Process, 'id')} AS id, a.{c(Approval, 'id')} AS approval_id, "
            f"CASE WHEN a.{c(Approval, 'valid_from')} > %s THEN a.{c(Approval, 'valid_from')} "
            f"ELSE %s END AS start_on, "
            f"(SELECT MAX(r.{c(AnnualReviewProcess, 'period_end')}) FROM {case} r WHERE "
            f"r.{c(AnnualReviewProcess, 'approval')} = a.{c(Approval, 'id')} "
            f"AND r.{c(AnnualReviewProcess, 'decision')} <> '' "
            f"AND r.{c(AnnualReviewProcess, 'period_end')} <= %s) AS reviewed_to "
            f"FROM {process} p JOIN {approval} a "
            f"ON a.{c(Approval, 'id')} = p.{c(Process, 'seed_object_id')} "
            f"WHERE p.{c(Process, 'flow_class')} = %s "
            f"AND p.{c(Process, 'seed_content_type')} = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {case} r WHERE r.{c(AnnualReviewProcess, 'process_ptr')} = "
            f"p.{c(Process, 'id')})) x",
            [today_db, review.bureau_id, review.pk, year_ago, year_ago, today_db,
             flow_ref, approval_type.pk])
        opened = max(cursor.rowcount, 0)
        ours = (f"SELECT r.{c(AnnualReviewProcess, 'process_ptr')} FROM {case} r "  # noqa: S608
                f"WHERE r.{c(AnnualReviewProcess, 'list_review')} = %s")
        columns = (f"{c(Task, 'flow_task')}, {c(Task, 'flow_task_type')}, {c(Task, 'status')}, "
                   f"{c(Task, 'created')}, {c(Task, 'started')}, {c(Task, 'finished')}, "
                   f"{c(Task, 'token')}, {c(Task, 'process')}, {c(Task, 'data')}, "
                   f"{c(Task, 'owner_permission')}, {c(Task, 'owner_permission_content_type')}, "
                   f"{c(Task, 'owner_permission_obj_pk')}")
        # 3. the start tasks, done; 4. the review tasks, waiting in the administrators' queue
        cursor.execute(
            f"INSERT INTO {task} ({columns}) SELECT %s, 'START', 'DONE', %s, %s, %s, "  # noqa: S608
            f"'start', x.{c(AnnualReviewProcess, 'process_ptr')}, '{{}}', NULL, NULL, NULL "
            f"FROM ({ours}) x",
            [f"{flow_ref}.start", now_db, now_db, now_db, review.pk])
        cursor.execute(
            f"INSERT INTO {task} ({columns}) SELECT %s, 'HUMAN', 'NEW', %s, NULL, NULL, "  # noqa: S608
            f"'start', x.{c(AnnualReviewProcess, 'process_ptr')}, '{{}}', %s, %s, %s "
            f"FROM ({ours}) x",
            [f"{flow_ref}.review", now_db, permission, bureau_type.pk, str(review.bureau_id),
             review.pk])
        # 5. each review task follows its start task
        cursor.execute(
            f"INSERT INTO {previous} (from_task_id, to_task_id) "  # noqa: S608
            f"SELECT rv.{c(Task, 'id')}, st.{c(Task, 'id')} FROM {task} rv JOIN {task} st "
            f"ON st.{c(Task, 'process')} = rv.{c(Task, 'process')} "
            f"AND st.{c(Task, 'flow_task')} = %s "
            f"WHERE rv.{c(Task, 'flow_task')} = %s AND rv.{c(Task, 'process')} IN ({ours})",
            [f"{flow_ref}.start", f"{flow_ref}.review", review.pk])
        # 6. one audit event per case, as start.run's annual_review_create writes
        cursor.execute(
            f"INSERT INTO {audit} ({c(AuditEvent, 'actor')}, {c(AuditEvent, 'actor_repr')}, "  # noqa: S608
            f"{c(AuditEvent, 'action')}, {c(AuditEvent, 'target_type')}, "
            f"{c(AuditEvent, 'target_id')}, {c(AuditEvent, 'target_repr')}, "
            f"{c(AuditEvent, 'from_state')}, {c(AuditEvent, 'to_state')}, "
            f"{c(AuditEvent, 'reason')}, {c(AuditEvent, 'data')}, "
            f"{c(AuditEvent, 'created_at')}) "
            f"SELECT %s, %s, 'annual_review.open', %s, "
            f"CAST(x.{c(AnnualReviewProcess, 'process_ptr')} AS VARCHAR(64)), "
            f"%s, '', 'open', %s, '{{}}', %s FROM ({ours}) x",
            [review.started_by_id, registry_services._actor_repr(review.started_by),
             case_type.pk, str(review), _("Yearly review of the list"), now_db, review.pk])
    return opened


def list_review_job_run(job, progress) -> tuple[str, str]:
    """The worker's part of a ``BackgroundJob`` of kind ``list_review`` (registered in
    ``workflows.apps``): start the review for the job's owner and bureau, and link the
    review's progress on the list review page. Its cases are opened set-based in one
    transaction, so the bar goes from nothing to done; the reviews' own progress (done /
    open / overdue) is the page's."""
    progress(0, 1)
    review = list_review_start(actor=job.owner, bureau=job.bureau)
    url = reverse("workflows:list-reviews", args=[job.bureau_id]) + f"#list-review-{review.pk}"
    return url, _("Yearly review of the list %(year)s: %(n)d annual reviews opened") % {
        "year": review.year, "n": review.opened}


def list_review_progress(review: ListReview) -> dict:
    """Done, open and overdue annual reviews of a list review: one aggregate query."""
    today = timezone.localdate()
    counts = AnnualReviewProcess.objects.filter(list_review=review).aggregate(
        total=Count("pk"), done=Count("pk", filter=~Q(decision="")),
        open=Count("pk", filter=Q(decision="")))
    counts["overdue"] = counts["open"] if today > review.due_on else 0
    counts["percent"] = round(100 * counts["done"] / counts["total"]) if counts["total"] else 100
    return counts


@transaction.atomic
def list_review_publish(*, actor, review: ListReview) -> Publication:
    """When every annual review of the list review is decided, publish the next list
    version (its diff against the previous one shows what changed)."""
    _require_admin(actor, review.bureau)
    review = ListReview.objects.select_for_update().get(pk=review.pk)
    if review.publication_id:
        raise ValidationError(_("The list has already been published after this review."),
                              code="published")
    progress = list_review_progress(review)
    if progress["open"]:
        raise ValidationError(_("%(n)d annual reviews are still open: decide them first.")
                              % {"n": progress["open"]}, code="open_reviews")
    publication = registry_services.publication_publish(actor=actor, bureau=review.bureau)
    review.publication = publication
    review.save(update_fields=["publication"])
    registry_services.audit_record(actor=actor, action="list_review.publish", target=review,
                                   from_state="open", to_state="published",
                                   data={"publication": publication.pk})
    return publication
