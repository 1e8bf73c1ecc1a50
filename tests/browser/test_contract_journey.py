"""The school's contract in the browser: the term plan, a search from a need, an
engagement with a two-person roster, the signed papers from both sides, printed permits
whose QR address answers valid, then suspended the moment the provider is suspended;
lessons logged and confirmed; the settlement exported. Screenshots under var/screenshots/.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry import papers
from registry import services as registry_services
from registry.models import Engagement, Lesson
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, organization, person, school_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _signed_pdf(name):
    writer = papers._Writer("signed")
    writer.line("双方已签字盖章")
    return {"name": name, "mimeType": "application/pdf", "buffer": writer.bytes()}


def _upload(page, kind, side):
    form = page.locator("#paper-upload")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("select[name=side]").select_option(side)
    form.locator("input[name=file]").set_input_files(_signed_pdf(f"{kind}-{side}.pdf"))
    form.locator("button[type=submit]").click()
    expect(page.locator(".portal-messages")).to_contain_text("签署件已上传")


def test_school_contracts_a_provider_and_the_gate_checks_the_permits(new_page, tmp_path):
    today = timezone.localdate()
    user, school = school_user("360102")
    term = registry_services.school_term_create(
        actor=user, school=school, name="2026年秋季学期", starts_on=today - datetime.timedelta(
            days=7), ends_on=today + datetime.timedelta(days=100), project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    coaches = [person("张建华"), person("李明")]
    for coach in coaches:
        approve(person=coach, where="360100", categories=("sport",))
    provider = UserFactory()
    registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)

    page = login(new_page(), user)
    # the school writes its term plan: a slot, then a need in that slot
    page.goto(reverse("registry:term-plan", args=[term.pk]))
    page.select_option("#id_slot-weekday", "1")
    page.fill("#id_slot-period", "1")
    page.locator("#slot-add button").click()
    expect(page.locator(".portal-messages")).to_contain_text("已添加时段")
    page.select_option("#id_need-category", label="体育")
    page.fill("#id_need-grade_min", "1")
    page.fill("#id_need-grade_max", "3")
    page.fill("#id_need-places", "30")
    page.fill("#id_need-budget_per_session", "60")
    page.locator("#need-add input[type=checkbox]").first.check()
    page.locator("#need-add button").click()
    expect(page.locator(".portal-messages")).to_contain_text("已添加需求")
    screenshot(page, "22-1-term-plan")
    # the need opens the provider search, already filtered
    page.locator("a.need-search").first.click()
    expect(page.locator("main table")).to_contain_text(org.name)
    screenshot(page, "22-2-search-from-need")
    page.locator("main table a:has-text('登记引进项目')").first.click()
    page.wait_for_url("**/school/engagements/**")
    # an engagement with a two-person roster, refused first for a fee above the offering
    page.select_option("#id_eng-term", label="2026年秋季学期")
    page.select_option("#id_eng-offering", index=1)
    page.fill("#id_eng-fee_per_session", "200")
    page.fill("#id_eng-sessions", "16")
    page.fill("#id_eng-places", "30")
    page.fill("#id_eng-roster", "\n".join(c.id_number for c in coaches))
    page.locator("#record-engagement button[type=submit]:not([name=add-term])").click()
    expect(page.locator("#record-engagement")).to_contain_text("¥50.00")
    assert not Engagement.objects.exists()
    page.fill("#id_eng-fee_per_session", "45")
    page.locator("#record-engagement button[type=submit]:not([name=add-term])").click()
    expect(page.locator(".portal-messages")).to_contain_text("引进项目已登记")
    engagement = Engagement.objects.get()
    assert engagement.need is not None and engagement.roster.count() == 2
    page.goto(reverse("registry:engagement-detail", args=[engagement.pk]))
    with page.expect_download() as agreement:
        page.locator("#paper-agreement-pdf").click()
    assert agreement.value.path().read_bytes().startswith(b"%PDF")
    _upload(page, "agreement", "school")
    _upload(page, "safety", "school")
    # the provider signs its side
    provider_page = login(new_page(), provider)
    provider_page.goto(reverse("registry:provider-engagements"))
    detail = reverse("registry:engagement-detail", args=[engagement.pk])
    provider_page.locator(f"main a[href='{detail}']").first.click()
    _upload(provider_page, "agreement", "provider")
    _upload(provider_page, "safety", "provider")
    expect(provider_page.locator("main")).to_contain_text("已签订")
    screenshot(provider_page, "22-3-papers-signed")
    # the school activates; the permits print
    page.reload()
    page.locator("#activate").click()
    expect(page.locator(".portal-messages")).to_contain_text("引进项目已生效")
    with page.expect_download() as permits:
        page.locator("#permits-pdf").click()
    assert permits.value.path().read_bytes().startswith(b"%PDF")
    screenshot(page, "22-4-active-with-permits")
    # the roster as its own page, for either side (the provider proposes from its people)
    provider_page.goto(reverse("registry:engagement-roster", args=[engagement.pk]))
    expect(provider_page.locator("#roster-table")).to_contain_text("张建华")
    screenshot(provider_page, "22-4b-roster")
    provider_page.goto(reverse("registry:engagement-detail", args=[engagement.pk]))
    permit_url = page.locator("a.permit-link").first.get_attribute("href")
    # the QR address answers valid, to anyone
    gate = new_page()
    gate.goto(permit_url)
    expect(gate.locator("#permit-status")).to_have_attribute("data-status", "valid")
    expect(gate.locator("main")).to_contain_text("张*华")
    expect(gate.locator("main")).not_to_contain_text("张建华")
    screenshot(gate, "22-5-permit-valid")
    # the provider is suspended: the same address answers suspended at once
    admin, bureau = bureau_admin("360100")
    registry_services.provider_suspend(actor=admin, bureau=bureau, reason="安全检查",
                                       organization=org)
    gate.goto(permit_url)
    expect(gate.locator("#permit-status")).to_have_attribute("data-status", "suspended")
    screenshot(gate, "22-6-permit-suspended")
    registry_services.provider_reinstate(actor=admin, bureau=bureau, reason="整改完成",
                                         organization=org)
    # lessons logged by the provider and confirmed by the school
    provider_page.reload()
    form = provider_page.locator("#lesson-record")
    form.locator("input[name=taught_on]").fill(today.isoformat())
    form.locator("input[name=pupils_present]").fill("26")
    form.locator("button[type=submit]").click()
    expect(provider_page.locator(".portal-messages")).to_contain_text("课次已登记")
    page.reload()
    page.locator("tr[id^=lesson-] button[value=confirm]").first.click()
    expect(page.locator("tr[id^=lesson-]").first).to_contain_text("已确认")
    assert Lesson.objects.get().status == "confirmed"
    expect(page.locator("p:has(#settlement-xlsx)")).to_contain_text("已确认 1 课次")
    with page.expect_download() as settlement:
        page.locator("#settlement-xlsx").click()
    assert settlement.value.path().read_bytes()[:2] == b"PK"
    screenshot(page, "22-7-lessons-settled")
    # the school's gate list for today, and the parents' page
    page.goto(reverse("registry:school-gate") + f"?school={school.pk}")
    expect(page.locator("main table")).to_contain_text("张建华")
    page.goto(reverse("registry:parents-page", args=[school.pk]))
    expect(page.locator("main table")).to_contain_text("张*华")
    screenshot(page, "22-8-parents-page")


def test_ending_an_engagement_is_asked_again_not_done_by_one_click(new_page):
    """Ending is final (its permits stop, no lesson is recorded after): the button sat bare
    under the papers and one click, or a slip of the finger on a phone, ended the contract
    mid-term with no question asked."""
    from django.core.files.base import ContentFile

    from documents.papers import engagement_paper_upload

    # given an active engagement
    today = timezone.localdate()
    user, school = school_user("360102")
    term = registry_services.school_term_create(
        actor=user, school=school, name="2026年秋季学期", starts_on=today - datetime.timedelta(
            days=7), ends_on=today + datetime.timedelta(days=100), project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    coach = person("张建华")
    approve(person=coach, where="360100", categories=("sport",))
    provider = UserFactory()
    registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)
    engagement = registry_services.engagement_create(
        actor=user, school=school, term=term, organization=org, offering=org.offerings.get(),
        fee_per_session=Decimal("45"), sessions=16, roster=[coach])
    for kind in ("agreement", "safety"):
        for side, actor in (("school", user), ("provider", provider)):
            engagement_paper_upload(actor=actor, engagement=engagement, kind=kind, side=side,
                                    file=ContentFile(_signed_pdf("x.pdf")["buffer"]),
                                    filename=f"{kind}.pdf")
    engagement.refresh_from_db()
    registry_services.engagement_activate(actor=user, engagement=engagement)
    page = login(new_page(), user)
    page.goto(reverse("registry:engagement-detail", args=[engagement.pk]))
    # when the school presses "结束引进项目"
    page.locator("main :text-is('结束引进项目')").click()
    page.wait_for_load_state()
    # then nothing has ended yet: the page says what ending does and asks again
    engagement.refresh_from_db()
    assert engagement.status == "active"
    expect(page.locator("#end-form")).to_contain_text("结束后不可恢复")
    screenshot(page, "22-9-end-asked-again")
    # and only the confirmation ends it, with the reason given
    page.fill("#end-reason", "本学期课时已全部完成")
    page.locator("#end").click()
    expect(page.locator(".portal-messages")).to_contain_text("引进项目已结束")
    engagement.refresh_from_db()
    assert engagement.status == "ended"
