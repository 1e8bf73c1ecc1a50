"""The calendar outside eager mode: real beat and worker processes on a real broker, and
two sweeps racing on PostgreSQL."""

import datetime
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from documents.models import Document
from registry import services as registry_services
from registry.models import Approval, Jurisdiction
from workflows.models import ExpiryReminder, RecertificationProcess
from workflows.services import reminders
from workflows.services import sweep as sweep_services

# serialized_rollback: the flush after a transactional test would also wipe the reference
# data the migrations load (jurisdictions, bureaus, categories) for the tests after it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.integration]


def _need_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL, shared by the test and the worker processes "
                    "(DATABASE_URL=postgres://…; CI does)")


def _redis_url():
    """A Redis database of its own (15), emptied first, so no message left over from
    other tests stands in the worker's way."""
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = "redis://127.0.0.1:6379/0"
    url = url.rsplit("/", 1)[0] + "/15"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.flushdb()
    except redis.RedisError:
        pytest.skip(f"no Redis broker reachable at {url}")
    return url


def _approved_with_insurance_expiring(w, days):
    today = timezone.localdate()
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=today + datetime.timedelta(days=days))
    approval = registry_services.approval_create(
        actor=w.root, jurisdiction=Jurisdiction.objects.get(code="360100"),
        organization=w.organization)
    return registry_services.approval_approve(
        actor=w.root, approval=approval, valid_from=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=200))


def test_beat_worker_sweep_and_email_on_a_real_broker(world, tmp_path):
    _need_postgres()
    broker = _redis_url()
    _approved_with_insurance_expiring(world, days=5)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        # django-environ drops one leading slash: four make an absolute path.
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "RECERT_SWEEP_EVERY_SECONDS": "2",
        "RECERT_DELIVER_EVERY_SECONDS": "2",
        "REGISTRY_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*celery, "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip",
         "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    beat = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*celery, "beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        mails = []
        while time.monotonic() < deadline:
            mail_dir = tmp_path / "mail"
            mails = [p.read_text() for p in mail_dir.glob("*.log")] if mail_dir.exists() else []
            if any(world.provider.email in m for m in mails):
                break
            time.sleep(1)
    finally:
        for proc in (beat, worker):
            proc.terminate()
        logs = [proc.communicate(timeout=30)[0].decode(errors="replace") for proc in (beat,
                                                                                      worker)]
    (tmp_path / "worker.log").write_text(logs[1])
    assert any(world.provider.email in m for m in mails), logs[1][-3000:]
    reminder = ExpiryReminder.objects.get(document__organization=world.organization)
    assert reminder.threshold_days == 7 and reminder.sent_at is not None
    # beat kept firing every 2 s, yet the reminder was recorded and sent once
    assert ExpiryReminder.objects.count() == 1
    assert sum(m.count(world.provider.email) > 0 for m in mails) >= 1


def test_two_sweeps_at_once_send_and_suspend_nothing_twice(world):
    _need_postgres()
    approval = _approved_with_insurance_expiring(world, days=-1)  # expired yesterday
    # and another document expiring within 7 days: a reminder is due
    Document.objects.filter(organization=world.organization, superseded_at__isnull=True,
                            document_type__code="operating_licence").update(
        expires_on=timezone.localdate() + datetime.timedelta(days=3))
    barrier, errors = threading.Barrier(2), []

    def sweep():
        try:
            barrier.wait()
            sweep_services.credential_sweep()
            reminders.reminders_deliver()
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert RecertificationProcess.objects.filter(approval=approval).count() == 1
    assert ExpiryReminder.objects.filter(document__organization=world.organization).count() == 1
    subjects = list(world.provider.notifications.values_list("subject", flat=True))
    assert sum("办学许可证" in s or "operating" in s.lower() for s in subjects) == 1
