"""The yearly review of the whole list (留库审查): one annual review per
approval in force, opened with a fixed number of queries; progress; then the next list
version is published."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import services as registry_services
from registry.models import Approval, AuditEvent, BackgroundJob, Bureau
from registry.roles import Role
from tests.after.beat import at
from tests.factories import UserFactory
from tests.registry.builders import approve, organization
from workflows import task_actions
from workflows.models import AnnualReviewProcess, ListReview
from workflows.services import list_review

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 4, 12)


def _approvals(n, start=0):
    return [approve(organization=organization(f"测试机构{start + i}号", ("围棋", "arts", "25")),
                    where="360100", categories=("arts",),
                    valid_from=DAY - datetime.timedelta(days=30),
                    valid_until=DAY + datetime.timedelta(days=300)) for i in range(n)]


def _start(admin, bureau):
    with CaptureQueriesContext(connection) as queries:
        review = list_review.list_review_start(actor=admin, bureau=bureau)
    return review, len(queries.captured_queries)


def test_opening_costs_the_same_queries_for_2_or_6_approvals_and_the_cases_work():
    with at(DAY):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        admin, other_admin = UserFactory(), UserFactory()
        for user in (admin, other_admin):
            registry_services.role_grant(actor=None, user=user, role=Role.BUREAU_ADMIN,
                                         target=bureau)
        elsewhere = approve(organization=organization("外地机构", ("围棋", "arts", "25")),
                            where="360400", categories=("arts",))
        few = _approvals(2)
        for model in (Approval, Bureau, AnnualReviewProcess, ListReview):
            ContentType.objects.get_for_model(model)  # cached, as in a running server
        first, few_queries = _start(admin, bureau)
        # measure again with more approvals: the first ones' reviews decided, a new year
        AnnualReviewProcess.objects.all().update(list_review=None, decision="keep")
        ListReview.objects.all().delete()
        _approvals(6, start=10)
        second, many_queries = _start(other_admin, bureau)  # as cold a user as the first
    assert few_queries == many_queries, (few_queries, many_queries)
    # the first two were reviewed today already: not again
    assert first.opened == 2 and second.opened == 6
    cases = AnnualReviewProcess.objects.filter(list_review=second)
    assert cases.count() == 6 and not cases.filter(approval=elsewhere).exists()
    assert not cases.filter(approval__in=few).exists()
    assert AuditEvent.objects.filter(action="annual_review.open").count() == 8
    progress = list_review.list_review_progress(second)
    assert progress == {"total": 6, "done": 0, "open": 6, "overdue": 0, "percent": 0}
    # publishing waits for the reviews; a second start this year is refused
    with at(DAY), pytest.raises(ValidationError):
        list_review.list_review_publish(actor=admin, review=second)
    with at(DAY), pytest.raises(ValidationError):
        list_review.list_review_start(actor=admin, bureau=bureau)
    # each bulk-opened case goes on through the flow like any other: its task is performed
    with at(DAY + datetime.timedelta(days=1)):
        suspended = cases.order_by("pk").first().approval_id
        for case in cases:
            task = case.task_set.get(flow_task_type="HUMAN", status="NEW")
            decision = "suspend" if case.approval_id == suspended else "keep"
            assert task_actions.task_perform(actor=other_admin, task=task,
                                             data={"decision": decision, "reason": "年度审查",
                                                   "confirm": True})
        assert list_review.list_review_progress(second)["done"] == 6
        publication = list_review.list_review_publish(actor=admin, review=second)
    assert Approval.objects.get(pk=suspended).status == "suspended"
    assert publication.pk and ListReview.objects.get(pk=second.pk).publication == publication


def test_the_list_review_through_the_api(client):
    with at(DAY):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        admin = UserFactory()
        registry_services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                                     target=bureau)
        _approvals(3)
        client.force_login(admin)
        started = client.post("/api/v1/list-reviews/", {"bureau": bureau.pk},
                              content_type="application/json")
        assert started.status_code == 201, started.content
        body = started.json()
        assert body["progress"]["total"] == 3 and body["progress"]["open"] == 3
        again = client.post("/api/v1/list-reviews/", {"bureau": bureau.pk},
                            content_type="application/json")
        assert again.status_code == 400
        early = client.post(f"/api/v1/list-reviews/{body['id']}/publish/")
        assert early.status_code == 400
        stranger = UserFactory()
        client.force_login(stranger)
        # not found, as a number nobody holds (tests/security/test_privacy_probes_ids.py)
        assert client.post("/api/v1/list-reviews/", {"bureau": bureau.pk},
                           content_type="application/json").status_code == 404


def test_the_list_review_page(client):
    with at(DAY):
        bureau = Bureau.objects.get(jurisdiction__code="360100")
        admin = UserFactory()
        registry_services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN,
                                     target=bureau)
        _approvals(2)
        client.force_login(admin)
        url = reverse("workflows:list-reviews", args=[bureau.pk])
        assert client.post(url).status_code == 302
        # the start runs in the worker (a background job, tests/registry/test_jobs.py)
        [job] = BackgroundJob.objects.all()
        assert registry_services.job_run(job_id=job.pk) == "done"
        page = client.get(url).content.decode()
        assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page and "0%" in page
        review = ListReview.objects.get()
        refused = client.post(url, {"publish": review.pk})
        assert refused.status_code == 400 and "尚有 2 项年审未完成" in refused.content.decode()
        client.force_login(UserFactory())
        assert client.get(url).status_code == 403
