"""Issue 23 (7) on PostgreSQL: a long publish writes the whole list in one transaction, yet
the page's bar moves while it runs. The progress goes through a second connection
(registry.services.jobs.JobProgress), so another connection — the one serving the page's
status request — reads ``done < total`` before the publish commits.

Real threads, real transactions: PostgreSQL only (SQLite has one writer at a time; there the
bar jumps at the end, as JobProgress says)."""

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from registry import services
from registry.models import BackgroundJob, Publication
from registry.services import jobs as job_services
from registry.services import publications as publication_services
from tests.registry.builders import approve, bureau_admin, organization, person

pytestmark = [
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _status_from_another_connection(client: Client, url: str) -> dict:
    """The page's poll, answered in a thread of its own: its own database connection, which
    sees only what is committed."""
    answer = {}

    def poll():
        try:
            answer.update(client.get(url).json())
        finally:
            connections.close_all()

    thread = threading.Thread(target=poll)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the status request waited behind the publish"
    return answer


def test_a_publishing_jobs_progress_is_seen_by_another_connection_while_it_runs(monkeypatch):
    # given four approvals in 南昌市 and a publish job its administrator started
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    approve(organization=organization("南昌飞跃篮球俱乐部有限公司", ("少儿篮球班", "sport", "20")))
    approve(person=person("王秀兰"), categories=("reading",))
    approve(person=person("李建国"), categories=("reading",))
    admin, bureau = bureau_admin("360100")
    job = services.job_start(actor=admin, kind=BackgroundJob.Kind.PUBLISH, bureau=bureau)
    client = Client()
    client.force_login(admin)
    status_url = reverse("registry:job-status", args=[job.pk])
    # one entry a batch, so that the publish reports after each (a large list does per 2000)
    monkeypatch.setattr(publication_services, "ENTRY_BATCH", 1)

    # the page polls each time the publish reports, while its transaction is still open
    seen = []

    def publish_watched(job, progress):
        def watched(done, total):
            progress(done, total)
            seen.append(_status_from_another_connection(client, status_url))
        return job_services._run_publish(job, watched)

    job_services.job_runner_register(BackgroundJob.Kind.PUBLISH, publish_watched)
    try:
        # when the worker runs it
        assert services.job_run(job_id=job.pk) == BackgroundJob.State.DONE
    finally:
        job_services.job_runner_register(BackgroundJob.Kind.PUBLISH, job_services._run_publish)

    # then the other connection saw the bar move before the commit: 0, 1, 2, 3, 4 of 4 …
    assert [(s["state"], s["done"], s["total"]) for s in seen] == [
        ("running", 0, 4), ("running", 1, 4), ("running", 2, 4), ("running", 3, 4),
        ("running", 4, 4)]
    # … with the words the page shows (and no list published yet: it was not committed)
    assert seen[2]["percent"] == 50 and seen[2]["message"] == "已完成 2 / 4（50%）。"
    assert not seen[-1]["over"] and not seen[-1]["result_url"]
    # and the end: published, 4 of 4, the list linked
    publication = Publication.objects.get()
    final = client.get(status_url).json()
    assert (final["state"], final["done"], final["total"]) == ("done", 4, 4)
    assert final["result_url"] == reverse("registry:list-detail", args=[publication.pk])
