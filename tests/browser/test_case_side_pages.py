"""Case-side pages changed lately, looked at in Chinese at a desktop's (1280) and a phone's
(390) width with realistic data: the school's 申请资格审查 page from an accepted invitation
(and its refusal while the person has not consented), the record query (入职查询) panel as
the clerk and the approver see it (clear, and a hit), the provider's correction (补正) of a
selection and of a vetting (and the form after a refused submission), the provider's list of
engagements with schools, and a case's history as the applicant and as the clerk read it.
``screenshot`` checks each (axe, the phone's width, no leaked English) and keeps a PNG under
var/screenshots/case-side-*.

Found by looking at them: the school's refusal said the rule but not what to do, and its
bureau list offered "---------" with "该字段是必填项。"; a case closed by a record hit said
"尚未决定。" under 审批决定; the history read "未通过 → 未通过" and "黄晓燕 (学校)" with ASCII
brackets, and on a phone an empty 理由 label; the correction's "choose this file again" was
grey (MDC's rule won), its notes ten rows tall, and its buttons viewflow's 办理 / 办理并继续;
the engagements list opened only by a bare number and said nothing of what each status meant.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry import services as registry_services
from registry.roles import Role
from tests.browser.checks import truncated_labels
from tests.browser.conftest import login, screenshot
from tests.browser.test_journeys import _pdf
from tests.contracts.conftest import _signing_key, contract, engage  # noqa: F401
from tests.contracts.test_contract import sign_all
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.registry.builders import bureau_admin, days
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from tests.workflows.test_correction_form import _sent_back
from workflows import selectors, task_actions
from workflows.models import VettingProcess
from workflows.services import vetting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SIZES = ["desktop", "phone"]
CLEAR_REF, HIT_REF = "NC-2026-CLEAR-0042", "NC-2026-HIT-0099"
ERROR_RED = "rgb(176, 0, 32)"  # #b00020, the other fields' errors


def _open(size, new_page, new_phone_page, user=None):
    page = (new_page if size == "desktop" else new_phone_page)()
    return login(page, user) if user is not None else page


def _look(page, name):
    """The page checked (axe, width, leaked English) and kept as a PNG; no label cut short."""
    screenshot(page, f"case-side-{name}")
    assert not truncated_labels(page), f"{page.url}: {truncated_labels(page)}"


def _named(w):
    """The world's people with their names, as the demo gives them (first_name holds a
    Chinese full name)."""
    for user, name in ((w.clerk, "刘芳"), (w.approver, "陈志强"), (w.admin, "周立群"),
                       (w.provider, "赵敏")):
        user.first_name = name
        user.save(update_fields=["first_name"])


def _school(w):
    school = SchoolFactory(name="南昌市东湖区育新学校")
    school.user = UserFactory(first_name="黄晓燕")
    registry_services.role_grant(actor=w.root, user=school.user, role=Role.SCHOOL,
                                 target=school)
    return school


def _volunteer(w, name="王秀英"):
    user = UserFactory(first_name=name)
    person = PersonFactory(user=user, kind="volunteer", name=name)
    registry_services.role_grant(actor=w.root, user=user, role=Role.PROVIDER, target=person)
    return person


def _accepted(school, person):
    invitation = registry_services.school_invite(actor=school.user, school=school,
                                                 id_number=person.id_number, name=person.name)
    return registry_services.invitation_answer(actor=person.user, invitation=invitation,
                                               accept=True)


def _send(page):
    """Submit the page's form and wait for the page the server answers with."""
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


# a) the school's 申请资格审查 page ---------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_school_asks_for_vetting_and_is_told_what_to_do_without_consent(
        size, new_page, new_phone_page, world):
    w = world
    _named(w)
    school, person = _school(w), _volunteer(w)
    invitation = _accepted(school, person)
    page = _open(size, new_page, new_phone_page, school.user)
    page.goto(reverse("registry:school-invitations"))
    page.locator("main a", has_text="申请资格审查").first.click()
    page.wait_for_url(f"**/vetting/invitation/{invitation.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("为南昌市东湖区育新学校申请对王秀英的资格审查")
    expect(main).to_contain_text("王秀英已接受贵校的邀请")  # named, not "本人"
    assert page.locator("#id_bureau option").first.inner_text() == "请选择教育局"
    expect(page.locator("main button[type=submit]")).to_have_text("提交申请")
    _look(page, f"a-form-{size}")
    # sent without a bureau: says which to choose, not "该字段是必填项。"
    _send(page)
    expect(main).to_contain_text("请选择受理审查的教育局。")
    # sent before the person consented: refused, and told what to do next
    page.select_option("#id_bureau", str(w.bureau.pk))
    _send(page)
    expect(main).to_contain_text("知情同意")
    guidance = page.locator("main .school-vetting__next")
    expect(guidance).to_contain_text("下一步")
    expect(guidance).to_contain_text(
        f"请通知王秀英登录本人账户，在“我的个人信息与同意”页面同意{w.bureau.name}进行入职查询")
    assert not VettingProcess.objects.exists()
    _look(page, f"a-refused-no-consent-{size}")
    # she consents; the school asks again and lands on the case page
    registry_services.consent_give(actor=person.user, person=person, bureau=w.bureau)
    page.select_option("#id_bureau", str(w.bureau.pk))
    _send(page)
    case = VettingProcess.objects.get()
    assert page.url.endswith(selectors.case_url(case))
    expect(main).to_contain_text("已申请教育局对王秀英进行资格审查")
    _look(page, f"a-asked-{size}")


# b) the record query panel ----------------------------------------------------------------

def _vetted(w, result, reference):
    """A volunteer the school invited and asked to vet; the clerk verified her documents and
    recorded the record query's ``result``."""
    school, person = _school(w), _volunteer(w)
    documents = upload_all(person.user, person)
    _accepted(school, person)
    registry_services.consent_give(actor=person.user, person=person, bureau=w.bureau)
    case = vetting.vetting_start(actor=school.user, person=person, bureau=w.bureau,
                                 school=school)
    clerk_verifies(w.clerk, case, documents, reference=reference, result=result)
    return case, school, person


def _side_by_side(panel):
    """Each term of the panel on the line of its value (the browser's own <dd> indent put the
    value under its term, 40 px in)."""
    terms, values = panel.locator("dt"), panel.locator("dd")
    assert terms.count() == values.count() == 3
    for i in range(3):
        term, value = terms.nth(i).bounding_box(), values.nth(i).bounding_box()
        assert abs(term["y"] - value["y"]) < 12 and value["x"] > term["x"] + term["width"], \
            (terms.nth(i).inner_text(), term, value)


@pytest.mark.parametrize("size", SIZES)
def test_the_record_query_panel_when_clear(size, new_page, new_phone_page, world):
    w = world
    _named(w)
    case, _school_, _person = _vetted(w, "clear", CLEAR_REF)
    # the clerk, on the case page
    page = _open(size, new_page, new_phone_page, w.clerk)
    page.goto(selectors.case_url(case))
    panel = page.locator("main .record-check")
    expect(panel).to_contain_text("未查到记录")
    expect(panel).to_contain_text(CLEAR_REF)
    _side_by_side(panel)
    _look(page, f"b-clerk-clear-{size}")
    # the approver, beside the decision's form
    approver = _open(size, new_page, new_phone_page, w.approver)
    approver.goto(selectors.case_url(case))
    approver.locator("main a.mdc-button", has_text="审批决定").first.click()
    approver.click("button[name=_continue]")
    approver.wait_for_url("**/decision/**/execute/")
    panel = approver.locator("main section.record-check")
    expect(panel.locator("h2")).to_have_text("入职查询")
    expect(panel).to_contain_text("未查到记录")
    expect(panel).to_contain_text(CLEAR_REF)
    _side_by_side(panel)
    _look(approver, f"b-approver-decision-clear-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_the_record_query_panel_on_a_hit(size, new_page, new_phone_page, world):
    w = world
    _named(w)
    case, _school_, _person = _vetted(w, "hit", HIT_REF)
    for who, user in (("clerk", w.clerk), ("approver", w.approver)):
        page = _open(size, new_page, new_phone_page, user)
        page.goto(selectors.case_url(case))
        panel = page.locator("main .record-check")
        expect(panel).to_contain_text("查有记录")
        expect(panel).to_contain_text(HIT_REF)
        # the case ended on the hit: the decision's heading says so, not "not decided yet"
        decision = page.locator("main .case-decision")
        expect(decision).to_contain_text("已驳回")
        expect(decision).to_contain_text("强制性入职查询查有记录")
        assert "尚未决定" not in page.inner_text("main")
        _look(page, f"b-{who}-hit-{size}")


# c) the provider's correction -------------------------------------------------------------

def _open_correction(page, case):
    page.goto(selectors.case_url(case))
    page.locator("main a.mdc-button", has_text="补正").first.click()
    page.wait_for_url("**/correction/**/execute/")


def _one_clear_button(page):
    """One button, saying what it does; no viewflow "办理并继续" (to the clerk's next task)."""
    buttons = page.locator("main form button[type=submit], main form button:not([type])")
    expect(buttons).to_have_count(1)
    expect(buttons).to_have_text("提交补正")
    assert page.locator("main button[name=_continue]").count() == 0


def _short_notes(page):
    for box in page.locator("main fieldset.correction-item textarea").all():
        assert box.bounding_box()["height"] < 120, box.bounding_box()


@pytest.mark.parametrize("size", SIZES)
def test_a_selection_correction_and_the_form_after_a_refusal(size, new_page, new_phone_page,
                                                              world):
    w = world
    _named(w)
    case, _task = _sent_back(w, codes=("liability_insurance", "safety_plan", "fee_schedule"))
    page = _open(size, new_page, new_phone_page, w.provider)
    _open_correction(page, case)
    legends = page.locator("main fieldset.correction-item legend")
    expect(legends).to_have_count(3)
    for kind in ("安全预案", "责任保险", "收费标准"):
        expect(legends.filter(has_text=f"{kind} · ")).to_have_count(1)
    expect(page.locator("main .correction-item__reason").first).to_contain_text(
        "教育局的理由：请重新上传")
    _one_clear_button(page)
    _short_notes(page)
    _look(page, f"c-selection-{size}")
    # a file chosen without its issue date: not sent, said above the form and at the date
    page.set_input_files("input[name=item0_file]", _pdf("safety-plan-2026.pdf"))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-correction-check]")).to_contain_text("尚未提交，已选择的文件仍保留")
    expect(page.locator("vf-field-input#id_item0_issued_on")).to_contain_text("请填写签发日期")
    _look(page, f"c-selection-dates-missing-{size}")
    # dated, but the other two items not answered: the server refuses, and the file is gone
    page.fill("input[name=item0_issued_on]",
              str(timezone.localdate() - datetime.timedelta(days=3)))
    page.locator("main form button[type=submit]").click()
    returned = page.locator("main .correction-alert[role=alert]:not([data-correction-check])")
    returned.first.wait_for()
    expect(returned.first).to_contain_text("已选择的文件未保留，请重新选择")
    expect(returned.first).to_contain_text("安全预案")
    again = page.locator("vf-field-file#id_item0_file .mdc-text-field-helper-text")
    expect(again).to_have_text("此文件未保留，请重新选择。")
    # in the errors' red (it was MDC's grey, a hint's colour, easily missed)
    assert again.evaluate("e => getComputedStyle(e).color") == ERROR_RED
    _one_clear_button(page)
    _look(page, f"c-selection-refused-{size}")


def _returned_vetting(w, person):
    """The clerk returns two of the person's documents, each with a reason."""
    documents = upload_all(w.provider, person)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    [task] = open_tasks(case, "verification")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data.update(query_reference=CLEAR_REF, query_date=str(timezone.localdate()),
                query_result="clear")
    reasons = {"health_certificate": "体检日期已超过十二个月，请上传近期的健康证明",
               "no_criminal_record": "证明上的姓名与身份证不一致"}
    for document in documents:
        if document.document_type.code in reasons:
            data[f"doc_{document.pk}"] = "reject"
            data[f"doc_{document.pk}_reason"] = reasons[document.document_type.code]
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    assert open_tasks(case, "correction")
    return case


@pytest.mark.parametrize("size", SIZES)
def test_a_vetting_correction(size, new_page, new_phone_page, world):
    w = world
    _named(w)
    person = PersonFactory(organization=w.organization, kind="retiree", name="李国华")
    case = _returned_vetting(w, person)
    page = _open(size, new_page, new_phone_page, w.provider)
    _open_correction(page, case)
    legends = page.locator("main fieldset.correction-item legend")
    expect(legends).to_have_count(2)
    expect(legends.filter(has_text="健康证明 · 李国华")).to_have_count(1)
    expect(legends.filter(has_text="无犯罪记录证明 · 李国华")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("证明上的姓名与身份证不一致")
    _one_clear_button(page)
    _short_notes(page)
    _look(page, f"c-vetting-{size}")


# d) the provider's engagements ------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_the_providers_engagements_say_what_each_status_means(size, new_page, new_phone_page,
                                                             contract):  # noqa: F811
    c = contract
    c["provider"].first_name = "赵敏"
    c["provider"].save(update_fields=["first_name"])
    active = sign_all(c, engage(c, starts_on=days(-5), ends_on=days(25)))
    registry_services.engagement_activate(actor=c["user"], engagement=active)
    draft = engage(c, sessions=8, starts_on=days(26), ends_on=days(50))
    ended = sign_all(c, engage(c, sessions=10, starts_on=days(51), ends_on=days(70)))
    registry_services.engagement_activate(actor=c["user"], engagement=ended)
    registry_services.engagement_end(actor=c["user"], engagement=ended, reason="学期结束")
    suspended = sign_all(c, engage(c, sessions=12, starts_on=days(71), ends_on=days(120)))
    registry_services.engagement_activate(actor=c["user"], engagement=suspended)
    admin, bureau = bureau_admin("360100")
    registry_services.engagement_suspend(actor=admin, bureau=bureau, engagement=suspended,
                                         reason="家长投诉，正在调查")
    page = _open(size, new_page, new_phone_page, c["provider"])
    page.goto(reverse("registry:provider-engagements"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    school = c["school"].name
    for engagement, status, said in ((active, "进行中", None), (draft, "草稿", "待双方签字"),
                                     (ended, "已结束", None),
                                     (suspended, "已暂停", "项目人员一律不得入校")):
        detail = reverse("registry:engagement-detail", args=[engagement.pk])
        row = rows.filter(has=page.locator(f"a[href='{detail}']"))
        # opened by the school's name, not a bare number
        expect(row.locator(f"a[href='{detail}']")).to_have_text(school)
        expect(row.locator(".portal-badge")).to_have_text(status)
        expect(row).to_contain_text("少儿篮球")
        if said:
            expect(row).to_contain_text(said)
    _look(page, f"d-engagements-{size}")
    # a provider with none reads what will come, not an empty table
    other = UserFactory(first_name="孙磊")
    registry_services.role_grant(actor=None, user=other, role=Role.PROVIDER,
                                 target=PersonFactory(name="孙磊", user=other))
    empty = _open(size, new_page, new_phone_page, other)
    empty.goto(reverse("registry:provider-engagements"))
    expect(empty.locator("main .provider-engagements__none")).to_contain_text(
        "尚无学校登记与您的引进项目")
    assert empty.locator("main table").count() == 0
    _look(empty, f"d-engagements-none-{size}")


# e) the case's history --------------------------------------------------------------------

def _history(page):
    return page.locator("main table.case-timeline tbody tr")


@pytest.mark.parametrize("size", SIZES)
def test_the_history_names_people_as_chinese_readers_expect(size, new_page, new_phone_page,
                                                            world):
    w = world
    _named(w)
    case, school, person = _vetted(w, "hit", HIT_REF)
    # the clerk reads full names, the school's person with her school in full-width brackets
    page = _open(size, new_page, new_phone_page, w.clerk)
    page.goto(selectors.case_url(case))
    history = page.locator("main table.case-timeline").inner_text()
    assert "黄晓燕（南昌市东湖区育新学校）" in history and "黄晓燕 (" not in history
    assert "刘芳" in history and "系统" in history
    # the system's rejection is said once, not "未通过 → 未通过"
    assert "未通过 → 未通过" not in history and "未通过" in history
    if size == "phone":  # each event a card; an event without a reason has no 理由 line
        started = _history(page).filter(has_text="开始资格审查")
        assert "理由" not in started.inner_text()
    _look(page, f"e-history-clerk-{size}")
    # the applicant (the person herself) reads the parties, never the clerk's name
    mine = _open(size, new_page, new_phone_page, person.user)
    mine.goto(selectors.case_url(case))
    history = mine.locator("main table.case-timeline").inner_text()
    assert school.name in history and w.bureau.name in history
    assert "刘芳" not in history and "黄晓燕" not in history
    assert "查有记录" not in mine.content()
    _look(mine, f"e-history-applicant-{size}")
