"""Five journeys through the web UI in headless Chromium, in Simplified Chinese.

Each drives the real pages against ``live_server``; where a journey needs another
role's step that it is not about, that step goes through the same service the
page would call. Each saves a full-page screenshot under var/screenshots/.
"""

import csv
import datetime
import io
import pathlib

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from registry import services as registry_services
from registry.identifiers import make_uscc
from registry.models import (
    EVALUATION_RUBRIC,
    Approval,
    Engagement,
    Jurisdiction,
    Organization,
    Publication,
    ReviewRequest,
)
from registry.roles import Role
from tests.browser.checks import PHONE
from tests.browser.conftest import login, screenshot
from tests.factories import (
    ApprovalFactory,
    OfferingFactory,
    OrganizationFactory,
    SchoolFactory,
    UserFactory,
)
from tests.policy.conftest import fee_reference
from tests.workflows.conftest import PDF, open_tasks
from tests.workflows.test_selection_flow import _to_notice
from workflows import task_actions
from workflows.models import CaseOutcome, ExpertAssignment, Objection, SelectionProcess
from workflows.services import selection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _upload(page, code, filename):
    """One document through the upload form (its progress bar posts it in the background)."""
    today = timezone.localdate()
    page.select_option("#id_document_type", code)
    page.set_input_files("#id_file", _pdf(filename))
    page.fill("#id_issued_on", (today - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_expires_on", (today + datetime.timedelta(days=700)).isoformat())
    page.click("form button:has-text('上传')")
    # the page the server answers with replaces this one: the form comes back empty
    expect(page.locator("#id_file")).to_have_value("")
    expect(page.locator(".portal-messages")).to_contain_text("已上传")
    expect(page.locator(".doc-errors")).to_have_count(0)


def _take_task(page):
    """viewflow asks whoever opens an unassigned task to take it first."""
    page.wait_for_url("**/organizationselection/**")
    if "/assign/" in page.url:
        page.click("button[name=_continue]")
        page.wait_for_url("**/execute/")


def _submit_task(page):
    """Submit the task form; viewflow leaves the task page once the form is accepted."""
    page.locator("main form button:not([name=_continue])").last.click()
    page.wait_for_url(lambda url: "/execute/" not in url)


def _open_my_task(page, case, title):
    """From the case page, follow the "waiting for you" link to the task, taking it."""
    page.goto(f"/selection/cases/{case.pk}/")
    page.locator("main a.mdc-button", has_text=title).first.click()
    _take_task(page)
    page.wait_for_url("**/execute/")


def _declare_no_conflict(page):
    """The expert answers the conflict question; the page comes back with the scores."""
    page.check("input[name=conflict][value=no]")
    page.locator("main form button:not([name=_continue])").last.click()
    page.wait_for_selector("#id_score_qualification")


def _fill(page, field_id, value):
    """Fill a field of viewflow's Material forms (the input sits inside a custom element)."""
    page.locator(f"#{field_id} input, #{field_id} textarea, "
                 f"input#{field_id}, textarea#{field_id}").first.fill(value)


def _named(user, name):
    """Staff with real names, as the case history shows them."""
    user.first_name = name
    user.save(update_fields=["first_name"])
    return user


def _approve_in_force(w, *, valid_from=None):
    """The world's organization approved and in force (as after a finished selection),
    through the services: they also write what school search reads (the keyword index's
    availability and the ``ProviderAvailability`` rows it ranks on), which a factory
    row would leave empty."""
    today = timezone.localdate()
    valid_from = valid_from or today - datetime.timedelta(days=1)
    registry_services.search_index_refresh(organization=w.organization)
    approval = registry_services.approval_create(
        actor=w.root, jurisdiction=Jurisdiction.objects.get(code="360100"),
        organization=w.organization, categories=[w.offering.category])
    return registry_services.approval_approve(
        actor=w.root, approval=approval, valid_from=valid_from,
        valid_until=valid_from + datetime.timedelta(days=365))


def _school_user(w):
    school = SchoolFactory(name="南昌市育新学校")
    user = UserFactory(username="school-user", first_name="张老师")
    registry_services.role_grant(actor=w.root, user=user, role=Role.SCHOOL, target=school)
    return school, user


def test_provider_registers_uploads_applies_and_corrects(page, world):
    w = world
    newcomer = UserFactory(username="newcomer")
    # given a signed-in user who acts for no organization yet
    login(page, newcomer)
    expect(page.locator("nav")).to_contain_text("注册机构")
    # when they register their organization, with a wrong code first
    page.goto("/registry/portal/register/")
    expect(page.locator("h1")).to_have_text("注册机构")
    page.fill("#id_name", "南昌市星火科技教育中心")
    page.fill("#id_uscc", "91360100ABCDEFGH1X")
    page.select_option("#id_registration_kind", "company")
    page.fill("#id_legal_representative", "陈晓东")
    page.select_option("#id_county", label="东湖区")
    page.fill("#id_address", "南昌市东湖区八一大道 100 号")
    page.fill("#id_contact_name", "陈晓东")
    page.fill("#id_contact_phone", "0791-86000000")
    page.click("form button:has-text('注册')")
    # then the error is next to the field, in Chinese, and nothing was created
    expect(page.locator("#id_uscc_errors")).to_be_visible()
    assert not Organization.objects.filter(name="南昌市星火科技教育中心").exists()
    page.fill("#id_uscc", make_uscc(777))
    page.click("form button:has-text('注册')")
    expect(page.locator("h1")).to_have_text("南昌市星火科技教育中心")
    organization = Organization.objects.get(name="南昌市星火科技教育中心")
    assert newcomer.has_perm("registry.act_for_organization", organization)
    # an offering
    page.select_option("#id_offering-category", label="科技")
    page.fill("#id_offering-title", "青少年机器人编程")
    page.fill("#id_offering-description", "图形化编程与机器人搭建")
    page.fill("#id_offering-grade_min", "3")
    page.fill("#id_offering-grade_max", "6")
    page.fill("#id_offering-fee_per_session", "25")
    page.fill("#id_offering-capacity", "30")
    page.check("input[name=offering-weekdays][value='1']")
    page.check("input[name=offering-weekdays][value='4']")
    page.click("button:has-text('添加课程')")
    expect(page.locator("table")).to_contain_text("青少年机器人编程")
    # the documents, one by one, through the upload form
    page.click("a.portal-button:has-text('证件材料')")
    page.wait_for_url(f"**/documents/organization/{organization.pk}/")
    expect(page.locator("h1")).to_contain_text("南昌市星火科技教育中心")
    codes = page.eval_on_selector_all("#id_document_type option",
                                      "os => os.map(o => o.value).filter(v => v)")
    assert len(codes) >= 3
    for code in codes:
        if code == "course_plan":  # one per offering (课程方案)
            page.select_option("#id_offering", label="青少年机器人编程")
        _upload(page, code, f"{code}.pdf")
    expect(page.locator("body")).to_contain_text("待审核")
    # and apply to the city bureau
    page.goto("/selection/apply/")
    page.select_option("#id_organization", str(organization.pk))
    page.select_option("#id_bureau", str(w.bureau.pk))
    page.check("text=青少年机器人编程")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("南昌市星火科技教育中心")
    case = SelectionProcess.objects.get(organization=organization)

    # the clerk sends one document back (the clerk's own journey is the next test)
    [task] = open_tasks(case, "qualification")
    documents = [d for d in case.organization.documents.all()]
    rejected = documents[0]
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data[f"doc_{rejected.pk}"] = "reject"
    data[f"doc_{rejected.pk}_reason"] = "扫描件不清晰，请重新上传"
    task_actions.task_perform(actor=w.clerk, task=task, data=data)

    # the provider sees what to correct on the case page
    page.goto(f"/selection/cases/{case.pk}/")
    expect(page.locator("body")).to_contain_text("扫描件不清晰，请重新上传")
    # uploads a clear copy
    page.goto(f"/documents/organization/{organization.pk}/")
    _upload(page, rejected.document_type.code, "clear.pdf")
    # the versions, the old one superseded, with dates as the reader writes them
    issued = timezone.localdate() - datetime.timedelta(days=30)
    versions = page.locator("table[aria-label='全部版本']")
    expect(versions).to_contain_text(f"{issued.year}年{issued.month}月{issued.day}日")
    expect(versions).not_to_contain_text(issued.isoformat())
    screenshot(page, "1-provider-documents")
    # and confirms the correction from the case page
    page.goto(f"/selection/cases/{case.pk}/")
    expect(page.locator("main")).to_contain_text("补正申请材料")
    [task] = open_tasks(case, "correction")
    page.goto(reverse("organizationselection:correction:index", args=[case.pk, task.pk]))
    _take_task(page)
    # the clear copy is already there: the task lists it as replaced
    expect(page.locator("main form")).to_contain_text("clear.pdf")
    # the correction task page reads right at a desktop's and a phone's size (issue 23)
    screenshot(page, "1-provider-correction-task")
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    page.reload()  # as a phone opens it: viewflow lays its drawer out when the page loads
    screenshot(page, "1-provider-correction-task-phone")
    page.set_viewport_size(desktop)
    page.reload()
    _submit_task(page)
    # then the case is back with the clerk, documents complete
    expect(page.locator("vf-snackbar")).to_contain_text("任务已完成")
    case.refresh_from_db()
    assert [t.flow_task.name for t in open_tasks(case)] == ["qualification"]
    assert not case.missing
    page.goto(f"/selection/cases/{case.pk}/")
    screenshot(page, "1-provider-corrects")


def test_bureau_verifies_scores_decides_and_publishes(new_page, world):
    w = world
    _named(w.clerk, "王芳")
    for expert, name in zip(w.experts, ["李建国", "赵敏", "孙立新", "周文"], strict=True):
        _named(expert, name)
    _named(w.approver, "陈志刚")
    _named(w.admin, "刘洋")
    # given an application waiting in the bureau's queue (journey 1 is the provider's side)
    Organization.objects.filter(pk=w.organization.pk).update(name="南昌市启智科创教育中心")
    w.organization.refresh_from_db()
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])

    # the clerk finds it in the queue, takes it and verifies every document
    clerk = login(new_page(), w.clerk)
    clerk.goto(reverse("organizationselection:queue"))
    expect(clerk.locator("main")).to_contain_text("资格审查")
    _open_my_task(clerk, case, "资格审查")
    # every document is listed for a decision, none chosen: the clerk verifies each
    for document in w.documents:
        expect(clerk.locator("main form")).to_contain_text(document.original_name)
        clerk.check(f"input[name=doc_{document.pk}][value=verify]")
    _submit_task(clerk)
    expect(clerk.locator("vf-snackbar")).to_contain_text("任务已完成")
    case.refresh_from_db()
    assert case.checked_by == w.clerk

    # three experts are drawn; the first declares a conflict and recuses
    seats = open_tasks(case, "expert_review")
    assert len(seats) == 3
    recused = seats[0].owner
    page = login(new_page(), recused)
    _open_my_task(page, case, "专家评审")
    page.check("input[name=conflict][value=yes]")
    page.locator("main form button:not([name=_continue])").last.click()
    # a recusal needs its reason: the error is next to the field, in Chinese
    expect(page.locator("main")).to_contain_text("请说明利益冲突情况")
    _fill(page, "id_conflict_note", "申请机构负责人是我的亲属")
    _submit_task(page)
    expect(page.locator("vf-snackbar")).to_contain_text("替补专家")
    # the replacement and the two others score every criterion
    while tasks := open_tasks(case, "expert_review"):
        expert = tasks[0].owner
        assert expert != recused
        page = login(new_page(), expert)
        _open_my_task(page, case, "专家评审")
        _declare_no_conflict(page)  # answered before the scoring form
        for code, score in SCORES.items():
            _fill(page, f"id_score_{code}", str(score))
        _fill(page, "id_comment", "课程设置合理，安全制度健全")
        _submit_task(page)
        expect(page.locator("vf-snackbar")).to_contain_text("任务已完成")
    assert ExpertAssignment.objects.filter(case=case, status="scored").count() == 3
    assert ExpertAssignment.objects.filter(case=case, status="recused").get().expert == recused

    # the approver sees the scores on the case page and approves
    approver = login(new_page(), w.approver)
    approver.goto(f"/selection/cases/{case.pk}/")
    expect(approver.locator("main")).to_contain_text("82.00")
    _open_my_task(approver, case, "审批决定")
    approver.check("input[name=decision][value=approve]")
    _fill(approver, "id_reason", "材料齐全，专家评分优良，同意入选")
    approver.check("input[name=confirm]")
    _submit_task(approver)
    case.refresh_from_db()
    assert case.approval.status == Approval.Status.PENDING
    approver.goto(f"/selection/cases/{case.pk}/")
    expect(approver.locator("main")).to_contain_text("公示")
    screenshot(approver, "2-case-in-notice")

    # when the notice period passes (its last day is yesterday) and the dispatcher runs
    SelectionProcess.objects.filter(pk=case.pk).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1))
    Task.objects.filter(process_id=case.pk, flow_task_type="TIMER",
                        status=STATUS.SCHEDULED).update(
        scheduled=timezone.now() - datetime.timedelta(minutes=1))
    assert fire_due_timers() == 1
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED

    # then the bureau administrator publishes the list, and the organization is on it
    admin = login(new_page(), w.admin)
    admin.goto(reverse("registry:list-jurisdiction", args=[w.bureau.jurisdiction.code]))
    expect(admin.locator("main")).to_contain_text("尚未发布")
    admin.click("main summary:has-text('立即发布')")
    expect(admin.locator("main .publish-confirm")).to_contain_text("1 条")
    admin.click("main button:has-text('确认发布')")
    # publishing runs in the worker: its page shows the bar, then links the list
    admin.wait_for_url("**/jobs/**")
    expect(admin.locator("main [role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(admin.locator("main .portal-job__state")).to_have_text("已完成")
    screenshot(admin, "2-bureau-publish-job")
    admin.click("main .portal-job__result a")
    admin.wait_for_url("**/lists/p/**")
    expect(admin.locator("main table")).to_contain_text(w.organization.name)
    expect(admin.locator("main table")).to_contain_text("少儿围棋启蒙班")
    publication = Publication.objects.get(jurisdiction=w.bureau.jurisdiction)
    assert publication.entry_count == 1
    screenshot(admin, "2-bureau-publishes")


def test_public_reads_the_list_downloads_csv_and_objects(page, world):
    w = world
    # given a published list with one organization in force
    listed = OrganizationFactory(name="南昌市青松艺术培训中心")
    OfferingFactory(organization=listed, title="少儿国画", category=w.offering.category)
    approval = ApprovalFactory(organization=listed, status=Approval.Status.APPROVED)
    approval.categories.set([w.offering.category])
    fee_reference(code="360100", category=w.offering.category.code, reference="18", cap="24")
    registry_services.publication_publish(actor=w.admin, bureau=w.bureau)
    # and the world's organization in public notice
    case = _to_notice(w)
    assert case.notice_ends_on >= timezone.localdate()

    # a visitor (not signed in) opens the lists from the landing page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("header a:has-text('公布名单')").click()
    page.locator("main a:has-text('南昌市')").first.click()
    page.wait_for_url("**/lists/360100/")
    page.locator("main h2 a").first.click()
    page.wait_for_url("**/lists/p/**")
    expect(page.locator("main table")).to_contain_text("南昌市青松艺术培训中心")
    expect(page.locator("main table")).to_contain_text("少儿国画")
    screenshot(page, "3-public-list")
    # downloads the CSV: UTF-8 with a BOM so that Excel shows the Chinese
    with page.expect_download() as download_info:
        page.click("main a:has-text('CSV')")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = pathlib.Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "南昌市青松艺术培训中心" in text and listed.uscc in text
    # with the local fee reference and cap in force beside the offering
    header, row = list(csv.reader(io.StringIO(text)))[:2]
    assert dict(zip(header, row, strict=True))["参考收费（元/次）"] == "18.00"
    assert dict(zip(header, row, strict=True))["收费上限（元/次）"] == "24.00"
    assert w.person.id_number not in text

    # opens the notices, and objects: anonymously first, which is refused next to the field
    page.locator("header a:has-text('公示')").click()
    expect(page.locator("main table")).to_contain_text(w.organization.name)
    page.locator("main tr", has_text=w.organization.name).locator("a").click()
    expect(page.locator("h1")).to_contain_text(w.organization.name)
    page.fill("#id_real_name", "匿名")
    page.fill("#id_contact", "13900000000")
    page.fill("#id_reason", "该机构曾多收培训费用，附收据。")
    page.click("main button[type=submit]")
    expect(page.locator("#id_real_name_error")).to_contain_text("真实姓名")
    assert not Objection.objects.exists()
    page.fill("#id_real_name", "王小明")
    page.set_input_files("#id_evidence", _pdf("receipt.pdf"))
    page.click("main button[type=submit]")
    # then it is received, and the notice page shows neither the name nor the contact
    page.wait_for_url("**/selection/notices/")
    expect(page.locator(".portal-messages, vf-snackbar").first).to_contain_text("已收到")
    objection = Objection.objects.get()
    assert objection.case_id == case.pk and objection.status == Objection.Status.OPEN
    expect(page.locator("body")).not_to_contain_text("13900000000")
    expect(page.locator("body")).not_to_contain_text("王小明")
    screenshot(page, "3-public-objects")
    # and the same page in English, through the language switch
    page.select_option("#portal-language", "en")
    page.click("button.portal-lang__go")
    expect(page.locator("main h1")).to_contain_text("Public notices")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _search(page, keyword):
    page.goto("/registry/school/search/")
    page.fill("#id_keyword", keyword)
    page.click("main form button[type=submit]")
    page.wait_for_url("**keyword=**")


def test_school_searches_opens_a_provider_engages_and_evaluates(page, world):
    w = world
    today = timezone.localdate()
    Organization.objects.filter(pk=w.organization.pk).update(name="南昌市黑白围棋培训中心")
    w.organization.refresh_from_db()
    w.offering.free_places_per_term = 2
    w.offering.save(update_fields=["free_places_per_term"])
    _approve_in_force(w, valid_from=today - datetime.timedelta(days=200))
    school, user = _school_user(w)
    login(page, user)
    # when the school searches in Chinese
    _search(page, "围棋")
    # then the approved organization is found, with its offering
    expect(page.locator("main table")).to_contain_text(w.organization.name)
    expect(page.locator("main table")).to_contain_text("少儿围棋启蒙班")
    # it opens the provider and follows "record an engagement"
    page.goto(reverse("registry:provider-profile", args=[w.organization.pk]))
    expect(page.locator("h1")).to_have_text(w.organization.name)
    page.click("main a:has-text('登记引进项目')")
    page.wait_for_url("**/school/engagements/**")
    # the engagement form arrives with the provider filled in, by name
    expect(page.locator("#record-engagement")).to_contain_text(w.organization.name)
    expect(page.locator("#id_eng-organization")).to_have_value(str(w.organization.pk))
    expect(page.locator("#id_eng-offering")).to_have_value(str(w.offering.pk))
    # there is no term yet: the school adds the term (ending today, so that it can be
    # evaluated at once) in the same form
    expect(page.locator("#record-engagement")).to_contain_text("请先在下方新增学期")
    page.fill("#id_term-name", "2026年秋季学期")
    page.fill("#id_term-starts_on", (today - datetime.timedelta(days=90)).isoformat())
    page.fill("#id_term-ends_on", today.isoformat())
    page.fill("#id_term-project_count", "10")
    page.press("#id_term-project_count", "Enter")  # forms work from the keyboard
    expect(page.locator(".portal-messages")).to_contain_text("学期已登记")
    expect(page.locator("#id_eng-organization")).to_have_value(str(w.organization.pk))
    # when it records the engagement, with a mistake first
    page.select_option("#id_eng-term", label="2026年秋季学期")
    page.fill("#id_eng-ends_on", (today + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_eng-fee_per_session", "20")
    page.fill("#id_eng-sessions", "16")
    page.locator("#record-engagement button[type=submit]:not([name=add-term])").click()
    expect(page.locator("#id_eng-ends_on_errors")).to_contain_text("学期")
    assert not Engagement.objects.exists()
    page.fill("#id_eng-ends_on", "")
    page.locator("#record-engagement button[type=submit]:not([name=add-term])").click()
    # then it is listed, and the school evaluates it
    expect(page.locator(".portal-messages")).to_contain_text("引进项目已登记")
    engagement = Engagement.objects.get(school=school, organization=w.organization)
    row = page.locator("main tr", has_text="少儿围棋启蒙班")
    expect(row).to_contain_text("2026年秋季学期")
    # on the rubric (学期考核), item by item: the one quick score of before is gone
    expect(row.locator("input[name=satisfaction]")).to_have_count(0)
    row.locator("a:has-text('按评价表评价')").click()
    page.wait_for_url(f"**/terms/{engagement.term_id}/ratings/**")
    for item in EVALUATION_RUBRIC:
        page.select_option(f"#id_e{engagement.pk}-score_{item.key}", "5")
    page.fill(f"#id_e{engagement.pk}-comments", "课程生动，学生喜欢")
    screenshot(page, "4-school-rates-on-the-rubric")
    page.locator(f"#rate-{engagement.pk} button[type=submit]").click()
    expect(page.locator(".portal-messages")).to_contain_text("评价已登记：满意度 100.00%")
    page.click("main a:has-text('返回引进项目')")
    expect(page.locator("main tr", has_text="少儿围棋启蒙班")).to_contain_text("100.0%")
    engagement.refresh_from_db()
    assert engagement.evaluation.scores == {item.key: 5 for item in EVALUATION_RUBRIC}
    # and records the free places used (免费名额), more than the offering gives first
    row = page.locator(f"#engagement-{engagement.pk}")
    expect(row).to_contain_text("每学期共 2 个")
    row.locator(f"#free-places-{engagement.pk}").fill("3")
    row.locator("form:has([name=used]) button").click()
    expect(page.locator(f"#free-places-{engagement.pk}_errors")).to_contain_text(
        "该项目每学期提供 2 个免费名额，不能使用 3 个。")
    expect(page.locator(f"#free-places-{engagement.pk}")).to_have_value("3")
    screenshot(page, "4-school-free-places-refused")
    page.locator(f"#free-places-{engagement.pk}").fill("2")
    page.locator(f"#engagement-{engagement.pk} form:has([name=used]) button").click()
    expect(page.locator(".portal-messages")).to_contain_text("已登记免费名额：使用 2 个")
    expect(page.locator(f"#free-places-{engagement.pk}")).to_have_value("2")
    engagement.refresh_from_db()
    assert engagement.free_places_used == 2
    screenshot(page, "4-school-engages")


def test_suspended_provider_disappears_from_school_search(new_page, world):
    w = world
    _approve_in_force(w)
    _school_user_, school_user = _school_user(w)
    school_page = login(new_page(), school_user)
    _search(school_page, "围棋")
    expect(school_page.locator("main table")).to_contain_text(w.organization.name)
    # given a review request the schools' low ratings opened for the organization
    review = registry_services.review_request_open(
        actor=None, bureau=w.bureau, organization=w.organization,
        trigger=ReviewRequest.Trigger.LOW_SATISFACTION,
        details={"satisfaction_share": 0.5, "threshold": 0.8})
    # the bureau administrator finds it from the supervision dashboard
    admin_page = login(new_page(), w.admin)
    admin_page.goto(reverse("workflows:dashboard", args=[w.bureau.pk]))
    figure = admin_page.locator("main a:has-text('个待处理，核查后办结')")
    expect(figure).to_contain_text("1")
    screenshot(admin_page, "5-bureau-dashboard")
    figure.click()
    admin_page.wait_for_url("**/review-requests/")
    row = admin_page.locator(f"#review-request-{review.pk}")
    expect(row).to_contain_text("满意度偏低")
    expect(row).to_contain_text("平均满意度 50%，低于 80%")
    # when the administrator suspends the organization from its profile
    row.locator(f"a:has-text('{w.organization.name}')").click()
    admin_page.wait_for_url(f"**/providers/{w.organization.pk}/")
    admin_page.select_option("main select[name=action]", "suspend")
    admin_page.fill("main textarea[name=reason]", "家长投诉安全问题，暂停整改")
    admin_page.check("main input[name=confirm]")  # it says what a suspension does
    admin_page.locator("main form:has(textarea[name=reason]) button").click()
    expect(admin_page.locator(".portal-messages")).to_contain_text("已")
    screenshot(admin_page, "5-bureau-suspends")
    # then the school's next search no longer finds it
    _search(school_page, "围棋")
    expect(school_page.locator("main")).not_to_contain_text(w.organization.name)
    assert not Approval.objects.filter(organization=w.organization,
                                       status=Approval.Status.APPROVED).exists()
    # and the administrator closes the review request: without a reason first, refused
    admin_page.goto(reverse("registry:review-requests", args=[w.bureau.pk]))
    row = admin_page.locator(f"#review-request-{review.pk}")
    row.locator("button:has-text('办结此任务')").click()
    expect(admin_page.locator(f"#reason-{review.pk}_errors")).to_contain_text(
        "请填写理由，理由将记入审计记录。")
    screenshot(admin_page, "5-bureau-review-request-refused")
    admin_page.fill(f"#reason-{review.pk}", "已核实家长投诉，机构暂停整改")
    admin_page.locator(f"#review-request-{review.pk} button").click()
    expect(admin_page.locator(".portal-messages")).to_contain_text("复核任务已办结")
    expect(admin_page.locator("main table")).to_contain_text("没有待处理的复核任务。")
    review.refresh_from_db()
    assert review.status == ReviewRequest.Status.CLOSED
    screenshot(admin_page, "5-bureau-closes-review-request")
