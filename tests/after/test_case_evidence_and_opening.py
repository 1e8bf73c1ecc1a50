"""Issue 20 (1): the provider's answer and its rectification evidence take files (checked and
stored like documents; read by the provider and the case's bureau staff only), shown on
the case page and in the API; and bureau staff open a review case by hand or on a
complaint from a web form, after confirming."""
# the review case's world, fixture ``w``, is imported from its test module
# ruff: noqa: F811

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow.models import Task

from registry import services
from registry.models import AuditEvent
from registry.roles import Role
from tests.after.beat import at
from tests.after.test_review_case import (  # noqa: F401
    D0,
    _investigate,
    _report_incident,
    _task,
    w,
)
from tests.factories import UserFactory
from tests.registry.builders import organization
from tests.samples import PDF, PNG
from workflows.models import ReviewCaseEvidence, ReviewCaseProcess

pytestmark = pytest.mark.django_db
D = datetime.timedelta


def _files(*names):
    kinds = {"pdf": (PDF, "application/pdf"), "png": (PNG, "image/png")}
    return [SimpleUploadedFile(n, kinds[n.rsplit(".", 1)[1]][0],
                               content_type=kinds[n.rsplit(".", 1)[1]][1]) for n in names]


def _stored(root) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def test_the_answer_carries_files_that_only_the_provider_and_the_bureau_read(
        client, w, _private_document_storage):
    case = _investigate(client, w, _report_incident(client, w))
    page = reverse("workflows:review-case", args=[case.pk])
    stored_before = _stored(_private_document_storage)
    with at(D0 + D(1)):
        client.force_login(w.owner)
        # a file that is no PDF, JPEG or PNG: refused, nothing kept, the case still waits
        events = AuditEvent.objects.count()
        refused = client.post(page, {"step": "respond", "text": "已整改",
                                     "evidence_files": [SimpleUploadedFile(
                                         "说明.txt", b"just words", content_type="text/plain")]})
        assert refused.status_code == 400 and "说明.txt" in refused.content.decode()
        assert AuditEvent.objects.count() == events
        assert _stored(_private_document_storage) == stored_before
        case.refresh_from_db()
        assert case.stage == "notice" and case.responded_at is None
        # the answer with a PDF and a photo
        answered = client.post(page, {"step": "respond", "text": "已更换看护人员",
                                      "evidence_files": _files("培训签到表.pdf", "现场照片.png")})
        assert answered.status_code == 302
        shown = client.get(page).content.decode()
    case.refresh_from_db()
    assert case.stage == "decision"
    files = list(ReviewCaseEvidence.objects.filter(case=case).order_by("pk"))
    assert [f.original_name for f in files] == ["培训签到表.pdf", "现场照片.png"]
    assert {f.step for f in files} == {"response"}
    assert _stored(_private_document_storage) == stored_before + 2
    assert "培训签到表.pdf" in shown
    url = reverse("workflows:review-case-evidence", args=[files[0].pk])
    assert url in shown
    # the provider and the bureau's clerk read it; the school, another provider, nobody else
    for user in (w.owner, w.clerk):
        client.force_login(user)
        got = client.get(url)
        assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    # each read is audited on the case: who read which file, and how
    reads = list(AuditEvent.objects.for_object(case).filter(action="review_case.evidence_read")
                 .order_by("pk"))
    assert [e.actor for e in reads] == [w.owner, w.clerk]
    assert reads[1].data == {"evidence": files[0].pk, "file": "培训签到表.pdf",
                             "step": "response", "via": "web"}
    stranger = UserFactory()
    services.role_grant(actor=None, user=stranger, role=Role.PROVIDER,
                        target=organization("另一机构有限公司"))
    for user in (w.school_account, stranger):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/api/v1/review-cases/{case.pk}/evidence/{files[0].pk}/"
                          ).status_code == 404
    # the API lists them, and gives them to the provider
    client.force_login(w.owner)
    listed = client.get(f"/api/v1/review-cases/{case.pk}/").json()["evidence_files"]
    assert [f["original_name"] for f in listed] == ["培训签到表.pdf", "现场照片.png"]
    got = client.get(listed[1]["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    # read through the API: audited too; the refused reads above recorded nothing
    reads = list(AuditEvent.objects.filter(action="review_case.evidence_read").order_by("pk"))
    assert len(reads) == 3 and reads[-1].actor == w.owner
    assert reads[-1].data == {"evidence": files[1].pk, "file": "现场照片.png",
                              "step": "response", "via": "api"}
    # the case's history shows the reads, in the reader's language
    client.force_login(w.clerk)
    assert "查阅了证据文件" in client.get(page).content.decode()


def test_rectification_evidence_may_be_files_only_through_the_api(client, w):
    case = _investigate(client, w, _report_incident(client, w), action="rectify")
    with at(D0 + D(1)):
        client.force_login(w.owner)
        client.post(f"/api/v1/review-cases/{case.pk}/respond/", {"text": "无异议"},
                    content_type="application/json")
    with at(D0 + D(2)):
        client.force_login(w.decider)
        task = _task(case, "decide")
        done = client.post(f"/api/v1/tasks/{task.pk}/act/", {"data": {
            "decision": "rectify", "reason": "看护制度不健全",
            "rectification_requirements": "建立看护签到制度",
            "rectification_due": (D0 + D(20)).isoformat()}}, content_type="application/json")
        assert done.status_code == 200, done.content
    with at(D0 + D(5)):
        client.force_login(w.owner)
        empty = client.post(f"/api/v1/review-cases/{case.pk}/rectification/", {"evidence": ""})
        assert empty.status_code == 400
        sent = client.post(f"/api/v1/review-cases/{case.pk}/rectification/",
                           {"evidence_files": _files("签到制度.pdf")})
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert [f["step"] for f in body["evidence_files"]] == ["rectification"]
    assert body["rectification_submitted_at"] is not None


def test_a_clerk_opens_a_case_on_a_complaint_from_the_providers_page_after_confirming(
        client, w):
    with at(D0):
        client.force_login(w.clerk)
        profile = client.get(reverse("registry:provider-profile", args=[w.org.pk]))
        start = f"{reverse('workflows:review-case-open')}?organization={w.org.pk}"
        assert start in profile.content.decode().replace("&amp;", "&")
        form = client.get(start)
        assert form.status_code == 200 and w.org.name in form.content.decode()
        data = {"bureau": w.bureau.pk, "organization": w.org.pk, "trigger": "complaint",
                "summary": "家长投诉：课后服务期间收取额外费用（2027年3月5日来电）"}
        # without a summary: 400, nothing opened
        assert client.post(start, {**data, "summary": ""}).status_code == 400
        # first the confirmation, nothing opened yet
        confirm = client.post(start, data)
        assert confirm.status_code == 200 and "确认启动" in confirm.content.decode()
        assert not ReviewCaseProcess.objects.exists()
        opened = client.post(start, {**data, "confirm": "yes"})
    case = ReviewCaseProcess.objects.get(organization=w.org)
    assert opened.status_code == 302 and opened.url == reverse("workflows:review-case",
                                                               args=[case.pk])
    assert case.trigger == "complaint" and case.opened_by == w.clerk
    assert case.details["summary"].startswith("家长投诉")
    assert Task.objects.filter(process_id=case.pk).exists()
    _task(case, "investigate")


def test_opening_is_refused_to_schools_and_outside_the_bureaus_reach(client, w):
    url = reverse("workflows:review-case-open")
    far = organization("景德镇某培训机构", county="360200")
    with at(D0):
        client.force_login(w.school_account)
        assert client.get(url).status_code == 403
        client.force_login(w.clerk)
        for data in ({"uscc": "91360100MA00000000"},  # nobody registered under it
                     {"organization": far.pk}):
            answer = client.post(url, {"bureau": w.bureau.pk, "trigger": "manual",
                                       "summary": "主动核查", "confirm": "yes", **data})
            assert answer.status_code in (400, 403), answer.status_code
        api = client.post("/api/v1/review-cases/", {
            "bureau": w.bureau.pk, "organization": far.pk, "trigger": "manual",
            "summary": "主动核查"}, content_type="application/json")
    # not found, as a number nobody holds (tests/security/test_privacy_probes_ids.py)
    assert api.status_code == 404
    assert not ReviewCaseProcess.objects.exists()
