"""Issue 23 (7): long operations run in the worker and the page follows them with a progress
bar, then links the result (or says why it failed). Publishing a list, exporting a large
list and starting the yearly review of the list are such jobs; a job is seen by the user who
started it and by its bureau's staff, nobody else."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry import services
from registry.exports import XLSX_HEADER_ROWS
from registry.models import AuditEvent, BackgroundJob, Bureau, Publication
from registry.roles import Role
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, organization, person, school_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    approve(organization=organization("南昌飞跃篮球俱乐部有限公司", ("少儿篮球班", "sport", "20")))
    approve(person=person("王秀兰"), categories=("reading",))


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """The Celery worker's part: what a request asked for once it committed, run through
    Celery's own call path (eager: in this process, as the worker would)."""
    from config.celery import app

    class Worker:
        @staticmethod
        def asks():
            """Collects what the requests inside ask of the worker once they commit."""
            return django_capture_on_commit_callbacks()

        @staticmethod
        def runs(callbacks):
            before = app.conf.task_always_eager
            app.conf.task_always_eager = True
            try:
                for callback in callbacks:
                    callback()
            finally:
                app.conf.task_always_eager = before

    return Worker()


def _clerk(bureau):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.BUREAU_CLERK, target=bureau)
    return user


def _start(client, worker, url, data):
    """POST as a browser does; returns the answer and the work it left for the worker."""
    with worker.asks() as callbacks:
        response = client.post(url, data)
    return response, list(callbacks)


def test_publishing_runs_in_the_worker_and_the_page_links_the_list(listed, client, worker):
    admin, bureau = bureau_admin("360100")
    client.force_login(admin)
    with worker.asks() as callbacks:
        response = client.post(reverse("registry:list-publish", args=[bureau.pk]),
                               {"confirm": "yes"})
    # the request only records the job: nothing is published before the worker runs it
    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:job-detail", args=[job.pk])
    assert job.state == "queued" and job.owner == admin and job.bureau == bureau
    assert not Publication.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'role="progressbar"' in page and "正在排队" in page and "发布名单" in page
    assert "aria-valuenow" not in page  # not known yet: the bar has no value

    worker.runs(callbacks)

    publication = Publication.objects.get()
    job.refresh_from_db()
    assert job.state == "done" and job.done == job.total == publication.entry_count == 3
    assert job.result_url == reverse("registry:list-detail", args=[publication.pk])
    status = client.get(reverse("registry:job-status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100 and status["over"]
    assert status["result_url"] == job.result_url and status["result_label"] == str(publication)
    assert status["message"] == "已完成。"
    page = client.get(reverse("registry:job-detail", args=[job.pk])).content.decode()
    assert 'aria-valuenow="100"' in page and f'href="{job.result_url}"' in page
    assert [e.action for e in AuditEvent.objects.for_object(job).order_by("pk")] == [
        "job.start", "job.done"]
    # the rerun of a delivered message does nothing twice
    assert services.job_run(job_id=job.pk) is None
    assert Publication.objects.count() == 1


def test_a_job_that_cannot_do_its_work_fails_with_a_message_the_user_understands(
        client, worker):
    admin, bureau = bureau_admin("360200")  # nothing is approved in 景德镇市
    client.force_login(admin)
    response, callbacks = _start(client, worker,
                                 reverse("registry:list-publish", args=[bureau.pk]),
                                 {"confirm": "yes"})
    worker.runs(callbacks)
    job = BackgroundJob.objects.get()
    assert job.state == "failed" and not job.result_url
    assert "景德镇市" in job.error and "没有" in job.error
    status = client.get(reverse("registry:job-status", args=[job.pk])).json()
    assert status["state"] == "failed" and status["state_name"] == "失败"
    assert status["message"] == job.error and status["over"]
    page = client.get(response["Location"]).content.decode()
    assert 'role="alert"' in page and "景德镇市" in page
    assert not Publication.objects.exists()
    assert AuditEvent.objects.for_object(job).filter(action="job.failed").exists()


def test_an_unexpected_error_is_said_in_words_and_logged(listed, client, worker, monkeypatch):
    admin, bureau = bureau_admin("360100")
    client.force_login(admin)
    _response, callbacks = _start(client, worker,
                                  reverse("registry:list-publish", args=[bureau.pk]),
                                  {"confirm": "yes"})

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("registry.services.jobs.publication_publish", broken)
    worker.runs(callbacks)
    job = BackgroundJob.objects.get()
    assert job.state == "failed" and "disk full" not in job.error
    assert "未做任何更改" in job.error and not Publication.objects.exists()


def test_the_export_of_a_list_is_written_in_the_worker_for_the_bureaus_staff(
        listed, client, worker):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    clerk = _clerk(bureau)
    client.force_login(clerk)
    # the list's page offers the export in the background to the bureau's staff
    page = client.get(reverse("registry:list-jurisdiction", args=["360100"])).content.decode()
    assert reverse("registry:list-export-job", args=[publication.pk]) in page
    response, callbacks = _start(client, worker,
                                 reverse("registry:list-export-job", args=[publication.pk]),
                                 {"format": "xlsx"})
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("registry:job-detail", args=[job.pk])
    assert job.kind == "export" and job.params["publication"] == publication.pk
    worker.runs(callbacks)
    job.refresh_from_db()
    assert job.state == "done" and job.done == job.total == 3
    assert job.result_url == reverse("registry:job-download", args=[job.pk])
    download = client.get(job.result_url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = {sheet.cell(row=r, column=3).value
             for r in range(XLSX_HEADER_ROWS + 2, XLSX_HEADER_ROWS + 5)}
    assert names == {"南昌弈林围棋培训有限公司", "南昌飞跃篮球俱乐部有限公司", "王秀兰"}
    assert isinstance(sheet.cell(row=XLSX_HEADER_ROWS + 2, column=11).value, datetime.datetime)

    # the bureau's administrator sees the clerk's job; another bureau's does not, nor a school
    client.force_login(admin)
    assert client.get(reverse("registry:job-detail", args=[job.pk])).status_code == 200
    assert client.get(job.result_url).status_code == 200
    for stranger in (bureau_admin("360200")[0], school_user()[0], UserFactory()):
        client.force_login(stranger)
        for name in ("registry:job-detail", "registry:job-status", "registry:job-download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404
        listing = client.get(reverse("registry:job-list")).content.decode()
        assert reverse("registry:job-detail", args=[job.pk]) not in listing
    client.logout()
    assert client.get(reverse("registry:job-status", args=[job.pk])).status_code == 302


def test_only_the_bureaus_staff_may_start_an_export_and_only_of_its_lists(
        listed, client, worker):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    url = reverse("registry:list-export-job", args=[publication.pk])
    for outsider in (school_user()[0], bureau_admin("360200")[0]):
        client.force_login(outsider)
        response, callbacks = _start(client, worker, url, {"format": "xlsx"})
        assert response.status_code == 403 and not callbacks
    client.force_login(admin)
    response, callbacks = _start(client, worker, url, {"format": "docx"})
    assert response.status_code == 400 and "CSV 或 XLSX" in response.content.decode()
    assert not BackgroundJob.objects.exists() and not callbacks


def test_a_csv_export_job_through_the_api(listed, client, worker):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    client.force_login(admin)
    with worker.asks() as callbacks:
        started = client.post("/api/v1/jobs/", {"kind": "export", "bureau": bureau.pk,
                                                "publication": publication.pk,
                                                "format": "csv"},
                              content_type="application/json")
    assert started.status_code == 202, started.content
    assert started.json()["state"] == "queued" and started.json()["percent"] is None
    worker.runs(callbacks)
    job = client.get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["state"] == "done" and job["percent"] == 100 and job["done"] == 3
    body = b"".join(client.get(f"/api/v1/jobs/{job['id']}/download/").streaming_content)
    assert body.startswith("\ufeff".encode()) and "王秀兰" in body.decode("utf-8-sig")
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [job["id"]]
    client.force_login(bureau_admin("360200")[0])
    assert client.get(f"/api/v1/jobs/{job['id']}/").status_code == 404
    assert client.get("/api/v1/jobs/").json()["results"] == []
    refused = client.post("/api/v1/jobs/", {"kind": "publish", "bureau": bureau.pk},
                          content_type="application/json")
    # another bureau is not found, as a number nobody holds
    # (tests/security/test_privacy_probes_ids.py)
    assert refused.status_code == 404


def test_the_yearly_list_review_starts_in_the_worker_with_a_bar(client, worker):
    from tests.after.beat import at
    from tests.after.test_list_review import DAY, _approvals
    from workflows.models import ListReview

    with at(DAY):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        admin, _bureau = bureau_admin("360100")
        _approvals(2)
        client.force_login(admin)
        url = reverse("workflows:list-reviews", args=[bureau.pk])
        response, callbacks = _start(client, worker, url, {})
        assert response.status_code == 302 and not ListReview.objects.exists()
        page = client.get(url).content.decode()
        assert 'class="portal-job' in page and "启动名单年度留库审查" in page
        worker.runs(callbacks)
        review = ListReview.objects.get()
        job = BackgroundJob.objects.get()
        assert job.state == "done" and review.opened == 2
        assert job.result_url == f"{url}#list-review-{review.pk}"
        page = client.get(url).content.decode()
        assert 'class="portal-job' not in page  # done: the review below is its result
        assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page
        assert "已决定 0" in page
        # a second start the same year fails in words, and the page shows why
        _response, callbacks = _start(client, worker, url, {})
        worker.runs(callbacks)
        failed = BackgroundJob.objects.exclude(pk=job.pk).get()
        assert failed.state == "failed" and "已经开始" in failed.error
        assert failed.error in client.get(url).content.decode()


def test_an_export_whose_file_is_gone_answers_404_not_500(client):
    """An export job's file removed from storage (cleaned up, restored from a backup without
    it): its download says it is not there, on the page and through the API."""
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    clerk = _clerk(bureau)
    job = BackgroundJob.objects.create(kind=BackgroundJob.Kind.EXPORT, owner=clerk,
                                       bureau=bureau, state=BackgroundJob.State.DONE,
                                       done=3, total=3, result_file="exports/gone.csv")
    client.force_login(clerk)
    assert client.get(reverse("registry:job-download", args=[job.pk])).status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
