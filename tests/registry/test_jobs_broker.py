"""Issue 23 (7): a background job is never left queued for ever. A job whose message could
not be handed to the broker (down at the time), or whose message was lost, is sent again by
the beat's sweep (``registry.tasks.background_jobs_resend``); a job sent twice still runs
once; a job nobody picked up for a day fails and says so.

A real broker and a real Celery worker (in a thread of this process): the suite's own broker
— Redis (a database of its own) when the suite runs on Redis, else the file-system transport
in a folder of the test's — and an unreachable one for the outage."""

import datetime
import logging
import os
import threading
import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import ChannelError

from registry import services, tasks
from registry.models import AuditEvent, BackgroundJob, Publication
from registry.services import jobs as job_services
from tests.registry.builders import approve, bureau_admin, organization, person

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.integration]

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _fresh_connections(app):
    """Let go of the app's broker connection and producer pools, so that the next message
    uses the broker now set (as tests/workflows/test_background.py does)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, monkeypatch):
    """Points the Celery app at a broker of this test's own (emptied), and can take it down
    and bring it back."""
    import redis

    from config.celery import app

    configured = os.environ.get("CELERY_BROKER_URL") or app.conf.broker_url or ""
    if configured.startswith("redis://"):
        url = configured.rsplit("/", 1)[0] + "/14"
        redis.Redis.from_url(url).flushdb()
        options = {"visibility_timeout": 3600}
    else:
        url = "filesystem://"
        folders = {key: tmp_path / "broker" / key for key in ("queue", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        options = {"data_folder_in": str(folders["queue"]),
                   "data_folder_out": str(folders["queue"]),
                   "control_folder": str(folders["control"]), "store_processed": False}
    saved = (app.conf.broker_url, app.conf.broker_transport_options,
             app.conf.task_publish_retry)

    class Broker:
        @staticmethod
        def up():
            monkeypatch.setenv("CELERY_BROKER_URL", url)
            app.conf.broker_url, app.conf.broker_transport_options = url, options
            app.conf.task_publish_retry = saved[2]
            _fresh_connections(app)

        @staticmethod
        def down():
            # Celery reads CELERY_BROKER_URL from the environment before its own setting
            monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
            app.conf.broker_url, app.conf.broker_transport_options = UNREACHABLE_BROKER, {}
            app.conf.task_publish_retry = False
            _fresh_connections(app)

        @staticmethod
        def waiting() -> int:
            """How many messages wait in the queue."""
            with app.connection_for_read() as conn:
                try:
                    return conn.default_channel.queue_declare(
                        app.conf.task_default_queue, passive=True).message_count
                except ChannelError:  # Redis: an empty queue is no queue
                    return 0

        @staticmethod
        def lose_everything() -> int:
            return app.control.purge()

        @staticmethod
        @contextmanager
        def worker():
            """A Celery worker listening on the broker; ``ran(n)`` waits until it finished
            ``n`` background-job messages (without touching the database meanwhile: SQLite's
            shared test database refuses a read while the worker writes)."""
            finished = threading.Semaphore(0)

            def count(sender=None, **kwargs):
                if sender is not None and sender.name == tasks.run_background_job.name:
                    finished.release()

            def ran(n: int, seconds: float = 60) -> bool:
                deadline = time.monotonic() + seconds
                return all(finished.acquire(timeout=max(0.0, deadline - time.monotonic()))
                           for _ in range(n))

            task_postrun.connect(count, weak=False)
            # the embedded worker sets up Celery's logging (the root logger at ERROR, its
            # own handlers): put the root logger back after it, or a later test of this
            # process no longer hears a warning
            root = logging.getLogger()
            level, handlers = root.level, root.handlers[:]
            try:
                with start_worker(app, pool="solo", perform_ping_check=False,
                                  shutdown_timeout=30):
                    yield ran
            finally:
                task_postrun.disconnect(count)
                root.setLevel(level)
                root.handlers[:] = handlers

    Broker.up()
    yield Broker
    monkeypatch.undo()
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_publish_retry = saved
    _fresh_connections(app)


def _listed():
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    approve(person=person("王秀兰"), categories=("reading",))
    return bureau_admin("360100")


def _state(job) -> str:
    job.refresh_from_db()
    return job.state


def _later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_a_job_started_while_the_broker_was_down_runs_once_when_it_is_back(broker, caplog):
    admin, bureau = _listed()
    # given the broker is down when an administrator publishes
    broker.down()
    with caplog.at_level(logging.WARNING, logger="registry.services.jobs"):
        job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    # then the request still succeeded: the job is recorded, the failed send too
    job.refresh_from_db()
    assert job.state == "queued" and job.sent_at is None and job.send_attempts == 1
    assert "the sweep will send it again" in caplog.text
    client = Client()
    client.force_login(admin)
    status = client.get(reverse("registry:job-status", args=[job.pk])).json()
    assert status["state"] == "queued" and "无法连接" in status["message"]

    # when the broker is back and a worker listens
    broker.up()
    with broker.worker() as ran:
        # the sweep leaves a job alone the first minute (its own send may be under way)
        assert services.jobs_resend_stalled() == 0
        assert _state(job) == "queued"
        # the beat's next sweep: the job is sent again, once, and runs
        assert services.jobs_resend_stalled(now=_later(2)) == 1
        assert ran(1)
        assert _state(job) == "done", job.error
        assert services.jobs_resend_stalled(now=_later(30)) == 0
        assert tasks.background_jobs_resend() == 0  # the beat's task, as beat calls it
        entry = django_settings.CELERY_BEAT_SCHEDULE["background-jobs-resend"]
        assert entry["task"] == tasks.background_jobs_resend.name and entry["schedule"] <= 60
    connections.close_all()

    # then the list is published once, and the job's page links it
    publication = Publication.objects.get()
    assert job.send_attempts == 2 and job.done == job.total == 2
    assert job.result_url == reverse("registry:list-detail", args=[publication.pk])
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.done"]


def test_a_lost_message_is_sent_again_and_a_job_sent_twice_runs_once(broker):
    admin, bureau = _listed()
    # given a publish whose message reached the broker, no worker running
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    job.refresh_from_db()
    assert job.sent_at is not None and job.send_attempts == 1
    assert broker.waiting() == 1
    # when the broker loses it (a restart without persistence)
    assert broker.lose_everything() == 1
    assert broker.waiting() == 0

    # then the sweep sends it again once it went unanswered for 10 minutes, not before
    assert services.jobs_resend_stalled(now=_later(5)) == 0
    assert services.jobs_resend_stalled(now=_later(11)) == 1
    assert broker.waiting() == 1
    # a sweep that read the job before that send finds it claimed, and sends nothing
    assert not job_services._job_send(job.pk, sent_at=job.sent_at, attempts=1)
    # and ten minutes later, still not picked up (no worker): sent once more
    assert services.jobs_resend_stalled(now=_later(22)) == 1
    assert broker.waiting() == 2

    # when a worker comes, it takes both messages: the job runs once
    with broker.worker() as ran:
        assert ran(2)
    connections.close_all()
    assert broker.waiting() == 0
    assert Publication.objects.count() == 1
    job.refresh_from_db()
    assert job.state == "done" and job.send_attempts == 3
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.done"]


def test_a_job_nobody_picked_up_for_a_day_fails_and_says_so(broker, settings):
    admin, bureau = _listed()
    broker.down()
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    broker.up()
    # when the sweep runs a day and an hour later (the broker came back too late)
    assert services.jobs_resend_stalled(
        now=timezone.now() + datetime.timedelta(hours=settings.REGISTRY_JOB_GIVE_UP_HOURS,
                                                minutes=60)) == 0
    # then the job failed, in the user's words, and nothing was sent or published
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at and "重新" in job.error
    assert broker.waiting() == 0 and not Publication.objects.exists()
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.failed"]
    # a message still on its way finds the job over and does nothing
    assert services.job_run(job_id=job.pk) is None


# --- a worker that died mid-job ---------------------------------------------------------

def _died_while_running(job, *, runs: int = 1, done: int = 0, total: int = 0):
    """What a worker killed mid-job leaves: the job running, its last heartbeat now, and
    (acks_late) its message back on the broker for redelivery."""
    BackgroundJob.objects.filter(pk=job.pk).update(
        state=BackgroundJob.State.RUNNING, run_attempts=runs, heartbeat_at=timezone.now(),
        done=done, total=total)
    job.refresh_from_db()
    return job.heartbeat_at


def test_a_job_whose_worker_died_is_started_again_by_the_sweep_and_runs_once(broker):
    admin, bureau = _listed()
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    # given a worker took the job, reported 1 of 2, and was killed: its transaction rolled
    # back, the job is left running, and the broker redelivers its message
    heartbeat = _died_while_running(job, done=1, total=2)
    assert broker.waiting() == 1

    # when a worker gets the redelivered message while the heartbeat is fresh, it does
    # nothing (the run may be alive elsewhere): a job never runs twice at once
    with broker.worker() as ran:
        assert ran(1)
    connections.close_all()
    assert _state(job) == "running" and job.run_attempts == 1
    assert not Publication.objects.exists()
    # nor does the sweep while the heartbeat is younger than REGISTRY_JOB_STALE_MINUTES
    assert services.jobs_resend_stalled(now=_later(14)) == 0
    assert _state(job) == "running"

    # when 16 minutes pass without a sign of life, the sweep restarts it: queued, its bar
    # back to the start, its message sent again; a second sweep that read the job as this
    # one did finds it claimed and does nothing
    assert services.jobs_resend_stalled(now=_later(16)) == 1
    assert not job_services._job_restart(job.pk, heartbeat_at=heartbeat, runs=1, sends=1)
    job.refresh_from_db()
    assert job.state == "queued" and job.done == 0 and job.send_attempts == 2
    assert broker.waiting() == 1
    # the user's page says what happened, in Chinese
    client = Client()
    client.force_login(admin)
    status = client.get(reverse("registry:job-status", args=[job.pk])).json()
    assert status["state"] == "queued" and "重新开始" in status["message"], status
    assert "第 2 次，共 3 次" in status["message"]

    # then a worker runs it, once, to the end
    with broker.worker() as ran:
        assert ran(1)
    connections.close_all()
    assert _state(job) == "done", job.error
    assert job.run_attempts == 2 and job.done == job.total == 2
    assert job.heartbeat_at > heartbeat
    assert Publication.objects.count() == 1
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.restart", "job.done"]
    # and a sweep much later finds nothing to do
    assert services.jobs_resend_stalled(now=_later(60)) == 0


def _leftover(job, name: str, content: bytes) -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    return storages["default"].save(f"jobs/{job.pk}/{name}", ContentFile(content))


def _files_of(job) -> list[str]:
    from django.core.files.storage import storages
    try:
        return sorted(storages["default"].listdir(f"jobs/{job.pk}")[1])
    except FileNotFoundError:
        return []


def test_an_export_whose_worker_died_is_written_again_with_no_file_left_over(broker):
    admin, bureau = _listed()
    publication = services.publication_publish(actor=admin, bureau=bureau)
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.EXPORT, bureau=bureau,
                             params={"publication": publication.pk, "format": "csv"})
    broker.lose_everything()  # the dead worker's message: say the broker lost it too
    # given the worker died halfway through writing the file
    _died_while_running(job, done=1, total=2)
    name = (f"list-{publication.jurisdiction.code}-{publication.year}-"
            f"{publication.number}.csv")
    _leftover(job, name, b"\xef\xbb\xbfhalf a fi")
    assert _files_of(job) == [name]

    assert services.jobs_resend_stalled(now=_later(16)) == 1
    with broker.worker() as ran:
        assert ran(1)
    connections.close_all()
    assert _state(job) == "done", job.error
    # then the file is written anew under its own name, whole; nothing else stays
    assert _files_of(job) == [name] and job.result_file == f"jobs/{job.pk}/{name}"
    client = Client()
    client.force_login(admin)
    body = b"".join(client.get(job.result_url).streaming_content).decode("utf-8-sig")
    assert "王秀兰" in body and "half a fi" not in body


def test_a_job_whose_worker_died_three_times_fails_and_says_so(broker, settings):
    admin, bureau = _listed()
    publication = services.publication_publish(actor=admin, bureau=bureau)
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.EXPORT, bureau=bureau,
                             params={"publication": publication.pk, "format": "xlsx"})
    broker.lose_everything()
    # given the third run died too, leaving part of its file
    assert settings.REGISTRY_JOB_RUN_ATTEMPTS == 3
    _died_while_running(job, runs=3, done=1, total=3)
    _leftover(job, "list.xlsx", b"PK\x03\x04 part")

    # when the sweep finds it without a sign of life: it is not sent a fourth time but fails,
    # in the user's language, and what the run left is removed
    assert services.jobs_resend_stalled(now=_later(16)) == 0
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at and job.run_attempts == 3
    assert "中断 3 次" in job.error and "重新发起" in job.error, job.error
    assert broker.waiting() == 0 and _files_of(job) == []
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.failed"]
    client = Client()
    client.force_login(admin)
    status = client.get(reverse("registry:job-status", args=[job.pk])).json()
    assert status["over"] and status["state"] == "failed" and "中断" in status["message"]
    # a message still on its way finds the job over and does nothing; so does the next sweep
    assert services.job_run(job_id=job.pk) is None
    assert services.jobs_resend_stalled(now=_later(60)) == 0


def _heartbeat_seen_aside(job_id: int):
    """The job's heartbeat as another connection sees it (the sweep's view)."""
    from django.db import DEFAULT_DB_ALIAS
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute("SELECT heartbeat_at FROM registry_backgroundjob WHERE id = %s",
                           [job_id])
            return cursor.fetchone()[0]
    finally:
        side.close()


@pytest.mark.skipif("postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
                    reason="on SQLite (one writer at a time) only the progress reports beat")
def test_a_long_step_that_reports_no_progress_keeps_its_run_alive(broker, monkeypatch):
    """On PostgreSQL the run's own thread writes the heartbeat while the work is inside one
    long transaction that reports nothing; the sweep does not take it for dead."""
    admin, bureau = _listed()
    broker.down()  # no message: the test runs the job itself
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    broker.up()
    seen = []

    def slow_publish(job, progress):
        from django.db import transaction
        started = _heartbeat_seen_aside(job.pk)
        with transaction.atomic():  # one long statement, say, with no progress reported
            time.sleep(1.5)
            seen.append((started, _heartbeat_seen_aside(job.pk)))
        publication = services.publication_publish(actor=job.owner, bureau=job.bureau)
        return f"/lists/{publication.pk}/", str(publication)

    monkeypatch.setattr(job_services, "HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setitem(job_services._RUNNERS, BackgroundJob.Kind.PUBLISH, slow_publish)
    assert services.job_run(job_id=job.pk) == "done"
    (started, during), = seen
    assert started is not None and during > started
    assert Publication.objects.count() == 1


def test_a_run_taken_for_dead_that_comes_back_records_no_end(broker, monkeypatch, caplog):
    """A run the sweep restarted (its heartbeat was stale) and that then finishes after all
    leaves the job to the new run: its end is not recorded, the job runs to its end once."""
    admin, bureau = _listed()
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    broker.lose_everything()

    def stalled_then_back(job, progress):
        # the sweep, 16 minutes on, finds no sign of life and restarts the job
        assert services.jobs_resend_stalled(now=_later(16)) == 1
        return "/nowhere", "the old run's result"

    with monkeypatch.context() as patched:
        patched.setitem(job_services._RUNNERS, BackgroundJob.Kind.PUBLISH, stalled_then_back)
        with caplog.at_level(logging.WARNING, logger="registry.services.jobs"):
            assert services.job_run(job_id=job.pk) is None
    assert "its end is not recorded" in caplog.text
    job.refresh_from_db()
    assert job.state == "queued" and job.result_url == "" and job.run_attempts == 1
    # the restart's message runs it, once
    with broker.worker() as ran:
        assert ran(1)
    connections.close_all()
    assert _state(job) == "done" and job.run_attempts == 2 and job.result_url != "/nowhere"
    assert Publication.objects.count() == 1
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.restart", "job.done"]
