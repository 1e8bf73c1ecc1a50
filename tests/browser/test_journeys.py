"""Five journeys through the web UI in headless Chromium, in Simplified Chinese.

Each drives the real pages against ``live_server``; where a journey needs another
role's step that it is not about, that step goes through the same service the
page would call. Each saves a full-page screenshot under var/screenshots/.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry import services as registry_services
from registry.identifiers import make_uscc
from registry.models import Approval, Organization
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import ApprovalFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import PDF, open_tasks
from workflows import services as flow_services
from workflows.models import SelectionProcess

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
    page.locator("main form button:not([name=_continue])").last.click()
    page.wait_for_load_state()


def _approve_in_force(w):
    """The world's organization approved and in force (as after a finished selection)."""
    approval = ApprovalFactory(organization=w.organization, status=Approval.Status.APPROVED)
    approval.categories.set([w.offering.category])
    registry_services.search_index_refresh(organization=w.organization)
    return approval


def _school_user(w):
    school = SchoolFactory()
    user = UserFactory(username="school-user")
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
    flow_services.task_perform(actor=w.clerk, task=task, data=data)

    # the provider sees what to correct on the case page
    page.goto(f"/selection/cases/{case.pk}/")
    expect(page.locator("body")).to_contain_text("扫描件不清晰，请重新上传")
    # uploads a clear copy
    page.goto(f"/documents/organization/{organization.pk}/")
    _upload(page, rejected.document_type.code, "clear.pdf")
    # and confirms the correction from the case page
    page.goto(f"/selection/cases/{case.pk}/")
    expect(page.locator("main")).to_contain_text("补正申请材料")
    [task] = open_tasks(case, "correction")
    page.goto(reverse("organizationselection:correction:index", args=[case.pk, task.pk]))
    _take_task(page)
    page.locator("input[name=confirm]").check()
    _submit_task(page)
    # then the case is back with the clerk, documents complete
    expect(page.locator("vf-snackbar")).to_contain_text("任务已完成")
    case.refresh_from_db()
    assert [t.flow_task.name for t in open_tasks(case)] == ["qualification"]
    assert not case.missing
    page.goto(f"/selection/cases/{case.pk}/")
    screenshot(page, "1-provider-corrects")


def _search(page, keyword):
    page.goto("/registry/school/search/")
    page.fill("#id_keyword", keyword)
    page.click("main form button[type=submit]")
    page.wait_for_url("**keyword=**")


def test_school_searches_in_chinese_and_opens_a_provider(page, world):
    w = world
    _approve_in_force(w)
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
    # the engagement form arrives with the provider filled in
    expect(page.locator("#id_eng-organization")).to_have_value(str(w.organization.pk))
    expect(page.locator("#id_eng-offering")).to_have_value(str(w.offering.pk))
    screenshot(page, "4-school-engages")


def test_suspended_provider_disappears_from_school_search(new_page, world):
    w = world
    _approve_in_force(w)
    _school_user_, school_user = _school_user(w)
    school_page = login(new_page(), school_user)
    _search(school_page, "围棋")
    expect(school_page.locator("main table")).to_contain_text(w.organization.name)
    # when the bureau administrator suspends the organization from its profile
    admin_page = login(new_page(), w.admin)
    admin_page.goto(reverse("registry:provider-profile", args=[w.organization.pk]))
    admin_page.select_option("main select[name=action]", "suspend")
    admin_page.fill("main textarea[name=reason]", "家长投诉安全问题，暂停整改")
    admin_page.locator("main form:has(textarea[name=reason]) button").click()
    expect(admin_page.locator(".portal-messages")).to_contain_text("已")
    screenshot(admin_page, "5-bureau-suspends")
    # then the school's next search no longer finds it
    _search(school_page, "围棋")
    expect(school_page.locator("main")).not_to_contain_text(w.organization.name)
    assert not Approval.objects.filter(organization=w.organization,
                                       status=Approval.Status.APPROVED).exists()
