"""Long operations in the Celery worker, with their progress (``BackgroundJob``).

A page asks for the operation with :func:`job_start` (permission checked there, at once);
the worker runs it with :func:`job_run`, which calls the runner registered for the job's
kind with a :class:`JobProgress` to report ``done`` of ``total``; the page polls the job's
status (``registry.job_views.job_status``) and shows a progress bar, then the link to the
result, or the reason it failed in words the user understands.

Runners live with what they run: publishing and exports here; the yearly list review in
``workflows`` (registered in ``workflows.apps``), since the registry knows nothing of
workflows.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as KombuOperationalError

from registry import exports, tasks
from registry.models import BackgroundJob, Bureau, Publication
from registry.selectors.publications import publication_entries_data, publication_lapsed
from registry.services.core import audit_record
from registry.services.publications import publication_publish

logger = logging.getLogger(__name__)

# which bureau permissions make a user the bureau's staff (who may run and see its jobs)
STAFF_PERMS = ("registry.clerk_bureau", "registry.expert_bureau", "registry.approve_bureau",
               "registry.administer_bureau")
EXPORT_FORMATS = ("csv", "xlsx")
# how often an export reports its progress (entries)
EXPORT_STEP = 1000

# kind → runner(job, progress) → (result url, result label)
Runner = Callable[[BackgroundJob, "JobProgress"], tuple[str, str]]
_RUNNERS: dict[str, Runner] = {}
# kind → the permission that starting such a job requires on its bureau
_START_PERMS: dict[str, str] = {
    BackgroundJob.Kind.PUBLISH: "registry.administer_bureau",
    BackgroundJob.Kind.LIST_REVIEW: "registry.administer_bureau",
}


def job_runner_register(kind: str, runner: Runner, *, permission: str | None = None) -> None:
    """Say how a kind of job runs (a higher layer fills in its own kinds at start-up)."""
    _RUNNERS[kind] = runner
    if permission:
        _START_PERMS[kind] = permission


def is_bureau_staff(user, bureau: Bureau) -> bool:
    return bool(user and user.is_authenticated
                and any(user.has_perm(perm, bureau) for perm in STAFF_PERMS))


@transaction.atomic
def job_start(*, actor, kind: str, bureau: Bureau, params: dict | None = None) -> BackgroundJob:
    """Record a long operation for the worker and ask the worker once this commits.

    Refuses at once (nothing recorded) what the operation itself would refuse for want of
    permission, so that the user hears it now, not after a wait. An export is for the
    bureau's staff; publishing and the list review for its administrators."""
    if kind not in BackgroundJob.Kind.values:
        raise ValidationError(_("This is not an operation that runs in the background."),
                              code="kind")
    permission = _START_PERMS.get(kind)
    allowed = (actor is not None and actor.has_perm(permission, bureau) if permission
               else is_bureau_staff(actor, bureau))
    if not allowed:
        raise PermissionDenied(_("Only the staff of this bureau may start this operation."))
    params = dict(params or {})
    if kind == BackgroundJob.Kind.EXPORT:
        params = _export_params(bureau, params)
    # the worker answers in the language of the user who asked
    params["language"] = translation.get_language() or settings.LANGUAGE_CODE
    job = BackgroundJob.objects.create(kind=kind, owner=actor, bureau=bureau, params=params)
    audit_record(actor=actor, action="job.start", target=job, to_state=job.state,
                 data={"kind": kind, **{k: v for k, v in params.items() if k != "language"}})
    # with the broker unreachable the request does not fail after the job was recorded: the
    # job stays queued, its page says the worker could not be asked yet, and the beat's
    # sweep (jobs_resend_stalled) sends it when the broker is back; robust: an error the
    # send did not foresee is logged, not turned into a failed request (the sweep resends)
    transaction.on_commit(lambda: _job_send(job.pk, sent_at=None, attempts=0), robust=True)
    return job


# a failed send is tried again by the next sweep after this long (not at once: the request's
# own send may still be under way when the sweep looks)
SEND_FAILED_GRACE = timedelta(minutes=1)


def _job_send(job_id: int, *, sent_at, attempts: int) -> bool:
    """Hand the job's message to the broker, if this caller still owns the send.

    The conditional UPDATE claims the send (``attempts`` and ``sent_at`` as this caller
    read them, the job still queued): of two sweeps, or a sweep and the request, one sends.
    A failed send is recorded (``sent_at`` back to None) for the sweep to try again. A
    duplicate message is harmless: ``job_run`` starts only a queued job, under a row lock.
    """
    now = timezone.now()
    claimed = BackgroundJob.objects.filter(
        pk=job_id, state=BackgroundJob.State.QUEUED, send_attempts=attempts, sent_at=sent_at,
    ).update(sent_at=now, send_attempts=F("send_attempts") + 1)
    if not claimed:
        return False
    try:
        tasks.run_background_job.delay(job_id)
    except (KombuOperationalError, OSError):
        logger.warning("background job %s: the broker could not be reached; the sweep will "
                       "send it again", job_id, exc_info=True)
        BackgroundJob.objects.filter(pk=job_id, state=BackgroundJob.State.QUEUED,
                                     send_attempts=attempts + 1, sent_at=now)\
            .update(sent_at=None)
        return False
    return True


def jobs_resend_stalled(*, now=None) -> int:
    """The beat's sweep: queued jobs the worker has not picked up are sent again — those
    whose send failed (after a minute), and those whose message went unanswered for
    ``REGISTRY_JOB_RESEND_MINUTES`` (lost with the broker, or never delivered). A job
    waiting longer than ``REGISTRY_JOB_GIVE_UP_HOURS`` fails instead, saying so: the user
    starts it again when they still want it, rather than have it run a day late.
    Returns how many messages were sent."""
    now = now or timezone.now()
    queued = BackgroundJob.objects.filter(state=BackgroundJob.State.QUEUED)
    give_up = now - timedelta(hours=settings.REGISTRY_JOB_GIVE_UP_HOURS)
    for job_id in queued.filter(created_at__lt=give_up).order_by("pk").values_list("pk",
                                                                                   flat=True):
        _job_give_up(job_id)
    stalled = queued.filter(created_at__gte=give_up).filter(
        Q(sent_at__isnull=True, created_at__lt=now - SEND_FAILED_GRACE)
        | Q(sent_at__lt=now - timedelta(minutes=settings.REGISTRY_JOB_RESEND_MINUTES)))
    sent = 0
    for job_id, sent_at, attempts in stalled.order_by("pk").values_list(
            "pk", "sent_at", "send_attempts"):
        sent += _job_send(job_id, sent_at=sent_at, attempts=attempts)
    return sent + _jobs_restart_dead(now)


def _jobs_restart_dead(now) -> int:
    """Running jobs whose worker died (killed mid-job: no sign of life for
    ``REGISTRY_JOB_STALE_MINUTES``) are put back in the queue and sent again, their bar back
    to the start; after ``REGISTRY_JOB_RUN_ATTEMPTS`` starts they fail, saying so. A dead
    run left nothing behind: publishing and the list review write in one transaction, which
    died with the worker; an export's file is written again from scratch (``_run_export``).

    Each restart is claimed by a conditional UPDATE on what this sweep read (still running,
    the same stale heartbeat, the same number of starts): of two sweeps one restarts the
    job; a run that is alive keeps its heartbeat fresh and is not touched. Returns how many
    messages were sent."""
    stale = now - timedelta(minutes=settings.REGISTRY_JOB_STALE_MINUTES)
    # (a job that ran before heartbeats were recorded counts from when it was asked for)
    dead = BackgroundJob.objects.filter(state=BackgroundJob.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale))
    sent = 0
    for job_id, heartbeat_at, runs, sends in dead.order_by("pk").values_list(
            "pk", "heartbeat_at", "run_attempts", "send_attempts"):
        if runs >= settings.REGISTRY_JOB_RUN_ATTEMPTS:
            _job_give_up_dead(job_id, heartbeat_at=heartbeat_at, runs=runs)
            continue
        if _job_restart(job_id, heartbeat_at=heartbeat_at, runs=runs, sends=sends):
            sent += _job_send(job_id, sent_at=None, attempts=sends)
    return sent


@transaction.atomic
def _job_restart(job_id: int, *, heartbeat_at, runs: int, sends: int) -> bool:
    """Claim a dead run's job for a restart (running → queued, its bar back to the start,
    its message to be sent again), if it is still as the sweep read it."""
    claimed = BackgroundJob.objects.filter(
        pk=job_id, state=BackgroundJob.State.RUNNING, heartbeat_at=heartbeat_at,
        run_attempts=runs, send_attempts=sends,
    ).update(state=BackgroundJob.State.QUEUED, done=0, sent_at=None)
    if not claimed:  # another sweep restarted it, or the run gave a sign of life
        return False
    logger.warning("background job %s: its worker stopped (no sign of life since %s); "
                   "starting it again, attempt %s", job_id, heartbeat_at, runs + 1)
    job = BackgroundJob.objects.select_related("owner").get(pk=job_id)
    audit_record(actor=None, action="job.restart", target=job,
                 from_state=BackgroundJob.State.RUNNING, to_state=BackgroundJob.State.QUEUED,
                 reason="no sign of life from the worker",
                 data={"run_attempts": runs,
                       "heartbeat_at": heartbeat_at.isoformat() if heartbeat_at else None})
    return True


def _job_give_up_dead(job_id: int, *, heartbeat_at, runs: int) -> None:
    """A job whose worker died ``runs`` times fails, in its owner's language."""
    job = BackgroundJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:
        return
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        error = gettext("The background worker stopped %(n)d times while running this job, "
                        "so it was not finished and nothing was changed. Start it again if "
                        "you still need it; if it happens again, tell the registry's support "
                        "the job's number.") % {"n": runs}
    with transaction.atomic():
        claimed = BackgroundJob.objects.filter(
            pk=job_id, state=BackgroundJob.State.RUNNING, heartbeat_at=heartbeat_at,
            run_attempts=runs,
        ).update(state=BackgroundJob.State.FAILED, error=error, result_file="",
                 finished_at=timezone.now())
        if not claimed:
            return
        audit_record(actor=job.owner, action="job.failed", target=job,
                     from_state=BackgroundJob.State.RUNNING,
                     to_state=BackgroundJob.State.FAILED, reason=error[:500],
                     data={"run_attempts": runs})
    if job.kind == BackgroundJob.Kind.EXPORT:
        _export_files_clear(job_id)


@transaction.atomic
def _job_give_up(job_id: int) -> None:
    job = (BackgroundJob.objects.select_for_update(of=("self",)).select_related("owner")
           .filter(pk=job_id, state=BackgroundJob.State.QUEUED).first())
    if job is None:  # the worker took it meanwhile
        return
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        job.error = gettext("The background worker did not start this job in time, so "
                            "nothing was done. Start it again if you still need it.")
    before = job.apply_transition(BackgroundJob.State.FAILED)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    audit_record(actor=job.owner, action="job.failed", target=job, from_state=before,
                 to_state=job.state, reason=job.error[:500])


def _export_params(bureau: Bureau, params: dict) -> dict:
    fmt = params.get("format")
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    publication = Publication.objects.filter(pk=params.get("publication")).first()
    if publication is None or publication.jurisdiction_id != bureau.jurisdiction_id:
        raise ValidationError({"publication": _("This bureau has published no such list.")})
    return {"publication": publication.pk, "format": fmt}


# how often a running job's heartbeat is written while its work reports no progress;
# None: a third of REGISTRY_JOB_STALE_MINUTES
HEARTBEAT_SECONDS: float | None = None


class JobProgress:
    """Reports ``done`` of ``total`` so that the page's bar moves while the work runs, and
    keeps the run's heartbeat (``heartbeat_at``) fresh, so that the sweep never takes a run
    that is alive for dead.

    Outside a transaction the row is updated at once. Inside one (publishing writes the
    whole list in one transaction, so that nothing is half-published), the numbers would be
    invisible until the end: on PostgreSQL they go through a second connection of their own,
    committed at once; SQLite has one writer at a time, so there the bar jumps at the end.

    On PostgreSQL a thread of the run (:meth:`start`) also writes the heartbeat, through a
    connection of its own, every third of the stale time: a long step that reports nothing
    (one large statement, an upload) keeps its run alive, and the beat stops with the
    worker's process. On SQLite (development) only the progress reports beat."""

    def __init__(self, job: BackgroundJob):
        self.job_id = job.pk
        # this run's start: a run the sweep took for dead and restarted writes nothing more
        self.attempt = job.run_attempts
        self._side = None
        self._stop: threading.Event | None = None
        self._beat: threading.Thread | None = None
        self.total = 0  # the last total reported: the job ends with it even if no write showed

    def start(self) -> JobProgress:
        if connection.vendor == "postgresql":
            every = HEARTBEAT_SECONDS or settings.REGISTRY_JOB_STALE_MINUTES * 60 / 3
            self._stop = threading.Event()
            self._beat = threading.Thread(target=self._beating, args=(self._stop, every),
                                          name=f"job-{self.job_id}-heartbeat", daemon=True)
            self._beat.start()
        return self

    def _beating(self, stop: threading.Event, every: float) -> None:
        side = None
        table = BackgroundJob._meta.db_table
        try:
            while not stop.wait(every):
                try:
                    if side is None:
                        side = connections.create_connection(DEFAULT_DB_ALIAS)
                    with side.cursor() as cursor:
                        cursor.execute(f"UPDATE {table} SET heartbeat_at = %s WHERE id = %s "  # noqa: S608
                                       "AND state = %s AND run_attempts = %s",
                                       [timezone.now(), self.job_id,
                                        BackgroundJob.State.RUNNING, self.attempt])
                except DatabaseError:
                    logger.warning("heartbeat of job %s not recorded", self.job_id,
                                   exc_info=True)
        finally:
            if side is not None:
                side.close()

    def __call__(self, done: int, total: int) -> None:
        self.advance(done, total)

    def advance(self, done: int, total: int) -> None:
        total = max(0, total)
        # each report is also the run's heartbeat (the sweep restarts a run without one)
        fields = {"done": min(max(0, done), total), "total": total,
                  "heartbeat_at": timezone.now()}
        self.total = max(self.total, total)
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_aside(fields)
            return
        BackgroundJob.objects.filter(pk=self.job_id, state=BackgroundJob.State.RUNNING,
                                     run_attempts=self.attempt).update(**fields)

    def _write_aside(self, fields: dict) -> None:
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:
                    # never wait behind the job's own transaction: progress is not worth it
                    cursor.execute("SET lock_timeout = '1s'")
            table = BackgroundJob._meta.db_table
            sets = ", ".join(f"{name} = %s" for name in fields)
            with self._side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s AND state = %s "  # noqa: S608
                               "AND run_attempts = %s",
                               [*fields.values(), self.job_id, BackgroundJob.State.RUNNING,
                                self.attempt])
        except DatabaseError:
            logger.warning("progress of job %s not recorded", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._beat is not None:
            self._stop.set()
            self._beat.join(timeout=30)
            self._beat = None
        if self._side is not None:
            self._side.close()
            self._side = None


def _counted(items: Iterable, progress: JobProgress, total: int,
            step: int = EXPORT_STEP) -> Iterator:
    """``items`` as they are, reporting every ``step`` of them to ``progress``."""
    done = 0
    for item in items:
        yield item
        done += 1
        if done % step == 0:
            progress(done, total)
    progress(done, max(total, done))


@transaction.atomic
def _job_begin(job_id: int) -> BackgroundJob | None:
    job = (BackgroundJob.objects.select_for_update(of=("self",))
           .select_related("owner", "bureau__jurisdiction").filter(pk=job_id).first())
    if job is None or job.state != BackgroundJob.State.QUEUED:
        # a rerun of a delivered message: the job already ran, or runs (a run whose worker
        # died is the sweep's to restart, once its heartbeat is stale)
        return None
    job.apply_transition(BackgroundJob.State.RUNNING)
    job.heartbeat_at = timezone.now()
    job.run_attempts += 1
    job.save(update_fields=["state", "heartbeat_at", "run_attempts"])
    return job


@transaction.atomic
def _job_end(job_id: int, *, url: str = "", label: str = "", result_file: str = "",
             error: str = "", reached: int = 0, attempt: int | None = None
             ) -> BackgroundJob | None:
    job = BackgroundJob.objects.select_for_update(of=("self",)).get(pk=job_id)
    if attempt is not None and (job.state != BackgroundJob.State.RUNNING
                                or job.run_attempts != attempt):
        # this run was taken for dead (no heartbeat) and the job restarted or failed meanwhile
        logger.warning("background job %s: run %s ended after the job was restarted; its "
                       "end is not recorded", job_id, attempt)
        return None
    to_state = BackgroundJob.State.FAILED if error else BackgroundJob.State.DONE
    before = job.apply_transition(to_state)
    job.result_url, job.result_label, job.result_file = url, label[:200], result_file
    job.error = error
    if to_state == BackgroundJob.State.DONE:
        # ``reached``: the total the work reported, which a progress write made through the
        # second connection may not have left on the row (it cannot see an uncommitted job)
        job.done = job.total = max(job.total, job.done, reached, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "result_url", "result_label", "result_file", "error",
                            "done", "total", "finished_at"])
    audit_record(actor=job.owner, action="job.failed" if error else "job.done", target=job,
                 from_state=before, to_state=to_state, reason=error[:500],
                 data={"result": url} if url else None)
    return job


def job_run(*, job_id: int) -> str | None:
    """Run a queued job (the worker's part): running → done with the result's link, or
    failed with a message for the user. Idempotent: a job no longer queued is left alone.
    Returns the state the job ended in, or None when it was not run."""
    job = _job_begin(job_id)
    if job is None:
        return None
    progress = JobProgress(job).start()
    attempt = job.run_attempts
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            try:
                url, label = _RUNNERS[job.kind](job, progress)
            except (ValidationError, PermissionDenied, ObjectDoesNotExist) as error:
                progress.close()
                ended = _job_end(job_id, error=_user_message(error), attempt=attempt)
            except Exception:
                # the user gets words, the logs the traceback
                logger.exception("background job %s failed", job_id)
                progress.close()
                ended = _job_end(job_id, attempt=attempt, error=gettext(
                    "Something went wrong on our side and nothing was changed. Try again in a "
                    "few minutes; if it fails again, tell the registry's support the job's "
                    "number."))
            else:
                progress.close()
                ended = _job_end(job_id, url=url, label=label, result_file=job.result_file,
                                 reached=progress.total, attempt=attempt)
    finally:
        progress.close()  # whatever ends the run (a shutdown too) stops its heartbeat
    return ended.state if ended is not None else None


def _user_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    if isinstance(error, ObjectDoesNotExist):
        return gettext("What this operation was about no longer exists.")
    return str(error) or gettext("You may not do this.")


# --- runners -------------------------------------------------------------------

def _run_publish(job: BackgroundJob, progress: JobProgress) -> tuple[str, str]:
    publication = publication_publish(actor=job.owner, bureau=job.bureau, progress=progress)
    return reverse("registry:list-detail", args=[publication.pk]), str(publication)


def _run_export(job: BackgroundJob, progress: JobProgress) -> tuple[str, str]:
    """Write the list's CSV or XLSX to the private storage, entry by entry; the result is
    the job's download address (the same file the list page streams)."""
    publication = (Publication.objects.select_related("jurisdiction")
                   .get(pk=job.params["publication"]))
    fmt = job.params["format"]
    # a run whose worker died may have left a file, whole or in part: this run starts clean
    _export_files_clear(job.pk)
    progress(0, publication.entry_count)
    entries = _counted(publication_entries_data(publication), progress,
                      publication.entry_count)
    standing = {e.position: e for e in publication_lapsed(publication).entries}  # as the page
    if fmt == "xlsx":
        spool = exports.xlsx_file(publication, entries, standing)
    else:
        spool = tempfile.TemporaryFile(suffix=".csv")  # noqa: SIM115 - closed below
        for chunk in exports.csv_stream(entries, standing):
            spool.write(chunk)
        spool.seek(0)
    filename = (f"list-{publication.jurisdiction.code}-{publication.year}-"
                f"{publication.number}.{fmt}")
    with spool:
        job.result_file = storages["default"].save(f"jobs/{job.pk}/{filename}", File(spool))
    return (reverse("registry:job-download", args=[job.pk]),
            gettext("%(list)s (%(format)s)") % {"list": publication, "format": fmt.upper()})


def _export_files_clear(job_id: int) -> None:
    """Remove whatever an export job wrote (its own folder ``jobs/<id>/``)."""
    storage = storages["default"]
    folder = f"jobs/{job_id}"
    try:
        _dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{folder}/{name}")


job_runner_register(BackgroundJob.Kind.PUBLISH, _run_publish)
job_runner_register(BackgroundJob.Kind.EXPORT, _run_export)
