"""The review journey in headless Chromium, Chinese interface: reviewers decide with the
evidence in front of them, and the panel stays confidential.

The clerk rejects two documents; the provider replaces both inside the correction task;
the clerk verifies; each expert opens a document from the task page, answers the conflict
question, then scores blind; the partner department (体育局, asked because of the swimming
course) opens a document beside its task and gives a reasoned opinion; the approver sees
documents, scores and the opinion beside the form and decides after a confirmation; the
provider's page shows no expert's name, no single score and not the department user's
name. Screenshots go to var/screenshots/19-*.png."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry import services as registry_services
from registry.models import PartnerDepartment, ServiceCategory
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.browser.test_journeys import (
    SCORES,
    _declare_no_conflict,
    _fill,
    _named,
    _open_my_task,
    _pdf,
    _submit_task,
)
from tests.factories import OfferingFactory, UserFactory
from tests.workflows.conftest import open_tasks, upload_missing
from workflows import task_actions
from workflows.models import ExpertAssignment
from workflows.services import selection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _open_document_here(page):
    """Open the first document beside the form, in the page's own viewer."""
    link = page.locator("a.case-document-open").first
    viewer = page.locator("iframe.case-document-viewer")
    expect(viewer).to_be_hidden()  # no empty frame under the list before anything is open
    with page.expect_response(lambda r: "/documents/" in r.url and "/view/" in r.url) as seen:
        link.click()
    assert seen.value.status == 200
    assert seen.value.headers["x-frame-options"] == "SAMEORIGIN"
    assert seen.value.headers["content-type"] in ("application/pdf", "image/jpeg",
                                                  "image/png")
    expect(viewer).to_be_visible()


def test_reviewers_see_the_evidence_and_the_panel_stays_confidential(new_page, world):
    w = world
    _named(w.clerk, "王芳")
    for expert, name in zip(w.experts, ["李建国", "赵敏", "孙立新", "周文"], strict=True):
        _named(expert, name)
    _named(w.approver, "陈志刚")
    # a swimming course: the city's sports bureau (体育局) must give its opinion (会审)
    swimming = ServiceCategory.objects.get(code="swimming")  # a migration's
    sports = PartnerDepartment.objects.create(name="南昌市体育局",
                                              jurisdiction=w.bureau.jurisdiction)
    sports.categories.set([swimming])
    department_user = _named(UserFactory(), "彭志远")
    registry_services.role_grant(actor=w.root, user=department_user, role=Role.DEPARTMENT,
                                 target=sports)
    swim = OfferingFactory(organization=w.organization, title="少儿游泳安全入门",
                           category=swimming)
    # a high-risk sport: its licence (高危险性体育项目) and the new course's plan
    w.documents += upload_missing(w.provider, w.organization)
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                         bureau=w.bureau, offerings=[w.offering, swim])
    first, second = w.documents[0], w.documents[1]

    # the clerk: documents beside the form, nothing chosen; rejects two with reasons
    clerk = login(new_page(), w.clerk)
    _open_my_task(clerk, case, "资格审查")
    expect(clerk.locator(".case-documents")).to_contain_text(first.original_name)
    _open_document_here(clerk)
    for document in w.documents:
        verdict = "reject" if document in (first, second) else "verify"
        clerk.check(f"input[name=doc_{document.pk}][value={verdict}]")
    _fill(clerk, f"id_doc_{first.pk}_reason", "营业执照扫描件不清晰")
    _fill(clerk, f"id_doc_{second.pk}_reason", "已过有效期，请上传新证")
    screenshot(clerk, "19-1-clerk-rejects-two")
    _submit_task(clerk)
    [correction] = open_tasks(case, "correction")

    # the provider replaces both inside the correction task
    provider = login(new_page(), w.provider)
    provider.goto(f"/selection/cases/{case.pk}/")
    expect(provider.locator(".case-corrections")).to_contain_text("营业执照扫描件不清晰")
    _open_my_task(provider, case, "补正")
    today = timezone.localdate()
    # submitting with nothing replaced is refused, naming the items
    provider.locator("main form button:not([name=_continue])").last.click()
    expect(provider.locator("main")).to_contain_text("尚未补正")
    screenshot(provider, "19-2-provider-correction-refused")
    for n, name in ((0, "licence-clear.pdf"), (1, "renewed.pdf")):
        provider.set_input_files(f"input[name=item{n}_file]", _pdf(name))
        _fill(provider, f"id_item{n}_issued_on", (today - datetime.timedelta(days=1)).isoformat())
        if provider.locator(f"#id_item{n}_expires_on").count():
            _fill(provider, f"id_item{n}_expires_on",
                  (today + datetime.timedelta(days=700)).isoformat())
        _fill(provider, f"id_item{n}_answer", "已重新扫描上传")
    screenshot(provider, "19-2-provider-replaces-in-task")
    _submit_task(provider)
    case.refresh_from_db()
    assert case.correction_rounds == 1
    current = {d.original_name for d in case.organization.documents.filter(
        superseded_at__isnull=True)}
    assert {"licence-clear.pdf", "renewed.pdf"} <= current

    # the clerk verifies the replacements (their own page was shown above)
    [task] = open_tasks(case, "qualification")
    pending = case.organization.documents.filter(superseded_at__isnull=True,
                                                 review_state="pending")
    task_actions.task_perform(actor=w.clerk, task=task,
                               data={f"doc_{d.pk}": "verify" for d in pending})

    # each expert opens a document from the task page, answers, then scores blind
    seats = open_tasks(case, "expert_review")
    assert len(seats) == 3
    for n, seat in enumerate(seats):
        page = login(new_page(), seat.owner)
        _open_my_task(page, case, "专家评审")
        _open_document_here(page)
        expect(page.locator("input[name=score_qualification]")).to_have_count(0)
        _declare_no_conflict(page)
        expect(page.locator("vf-snackbar")).to_contain_text("无利益冲突")
        # blind: no other expert's name on the page before scoring
        for other in seats:
            if other.owner != seat.owner:
                expect(page.locator("main")).not_to_contain_text(other.owner.first_name)
        for code, score in SCORES.items():
            _fill(page, f"id_score_{code}", str(score))
        if n == 0:
            screenshot(page, "19-3-expert-scores-with-document")
        _submit_task(page)
    assert ExpertAssignment.objects.filter(case=case, status="scored").count() == 3

    # the partner department: the case's documents beside its task, nothing chosen for it;
    # conditions are required when it agrees with conditions
    assert open_tasks(case, "decision") == []
    department = login(new_page(), department_user)
    _open_my_task(department, case, "会审部门意见")
    expect(department.locator("main")).to_contain_text("体育 · 游泳")
    _open_document_here(department)
    expect(department.locator("input[name=opinion]:checked")).to_have_count(0)
    department.check("input[name=opinion][value=conditions]")
    _fill(department, "id_reason", "场馆持有高危险性体育项目经营许可，救生员持证上岗")
    department.locator("main form button:not([name=_continue])").last.click()
    expect(department.locator("main")).to_contain_text("请写明同意所附的条件")
    _fill(department, "id_conditions", "每班不超过16人，须配备2名持证救生员")
    screenshot(department, "19-4-department-gives-its-opinion")
    _submit_task(department)

    # the approver sees documents and scores beside the form, decides after confirming
    approver = login(new_page(), w.approver)
    _open_my_task(approver, case, "审批决定")
    expect(approver.locator(".case-documents")).to_contain_text("licence-clear.pdf")
    expect(approver.locator(".case-panel")).to_contain_text("82.00")
    opinion = approver.locator(".case-partner-opinions")
    expect(opinion).to_contain_text("南昌市体育局")
    expect(opinion).to_contain_text("附条件同意")
    expect(opinion).to_contain_text("每班不超过16人")
    approver.check("input[name=decision][value=approve]")
    _fill(approver, "id_reason", "材料齐全，专家评分优良，同意入选")
    approver.locator("main form button:not([name=_continue])").last.click()
    expect(approver.locator("main")).to_contain_text("公示立即开始")
    screenshot(approver, "19-5-approver-confirms")
    approver.check("input[name=confirm]")
    _submit_task(approver)
    case.refresh_from_db()
    assert case.decision == "approve"

    # the provider's page: the outcome, no expert's name, no single score
    provider.goto(f"/selection/cases/{case.pk}/")
    body = provider.locator("main")
    expect(body).to_contain_text("同意入选")
    for expert in w.experts:
        expect(body).not_to_contain_text(expert.first_name)
    expect(provider.locator(".case-panel")).to_have_count(0)
    expect(body).not_to_contain_text("彭志远")
    expect(provider.locator(".case-partner-opinions")).to_have_count(0)
    screenshot(provider, "19-6-provider-sees-no-panel")
