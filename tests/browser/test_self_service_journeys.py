"""Self-service in headless Chromium, from an empty browser and no seeded account: a public
venue signs up, confirms its address from the outbox, registers, uploads its checklist and
applies; a volunteer does the same as an individual and applies for vetting. Screenshots
under var/screenshots/."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from registry.identifiers import make_id_number, make_uscc
from registry.models import Bureau, Organization, Person
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import _upload
from workflows.models import SelectionProcess, VettingProcess

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Kehou-fuwu-2026"


def _sign_up_and_confirm(page, email, name):
    page.goto("/")
    page.click("a:has-text('服务主体注册')")
    expect(page.locator("h1")).to_have_text("注册")
    page.fill("#id_email", email)
    page.fill("#id_password", "12345678")
    page.click("main form button[type=submit]")
    expect(page.locator("#id_password_errors")).to_be_visible()  # a weak password
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("请查收邮件")
    screenshot(page, f"{name}-1-check-your-email")
    # the link, as the person reads it in their mailbox
    [message] = [m for m in mail.outbox if email in m.to]
    link = re.findall(r"https?://\S+", message.body)[-1]
    page.goto(link)
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("我代表一个机构")
    screenshot(page, f"{name}-2-choose")


def test_a_public_venue_signs_up_registers_uploads_and_applies(page):
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    _sign_up_and_confirm(page, "youth.palace@example.cn", "venue")
    page.click("a:has-text('注册机构')")
    page.fill("#id_name", "南昌市青少年宫")
    page.fill("#id_uscc", make_uscc(4242, prefix="12"))
    page.select_option("#id_provider_kind", "public_venue")
    page.select_option("#id_registration_kind", "public_institution")
    page.fill("#id_legal_representative", "赵六")
    page.select_option("#id_county", label="东湖区")
    page.fill("#id_address", "南昌市东湖区八一大道 1 号")
    page.fill("#id_contact_name", "钱七")
    page.fill("#id_contact_phone", "0791-86000000")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("南昌市青少年宫")
    venue = Organization.objects.get(name="南昌市青少年宫")
    assert venue.provider_kind == "public_venue"
    page.select_option("#id_offering-category", label="科技")
    page.fill("#id_offering-title", "少儿天文观测")
    page.fill("#id_offering-description", "望远镜的使用与星空观察")
    page.fill("#id_offering-grade_min", "3")
    page.fill("#id_offering-grade_max", "6")
    page.fill("#id_offering-fee_per_session", "0")
    page.fill("#id_offering-capacity", "30")
    page.check("input[name=offering-weekdays][value='2']")
    page.click("button:has-text('添加课程')")
    expect(page.locator("table")).to_contain_text("少儿天文观测")
    # its checklist: a public institution certificate, no school-running licence
    page.click("a.portal-button:has-text('证件材料')")
    page.wait_for_url(f"**/documents/organization/{venue.pk}/")
    codes = page.eval_on_selector_all("#id_document_type option",
                                      "os => os.map(o => o.value).filter(v => v)")
    assert "institution_certificate" in codes and "operating_licence" not in codes
    assert "course_plan" in codes  # one per offering (课程方案)
    for code in codes:
        if code == "course_plan":
            page.select_option("#id_offering", label="少儿天文观测")
        _upload(page, code, f"{code}.pdf")
    screenshot(page, "venue-3-documents")
    page.goto("/selection/apply/")
    page.select_option("#id_organization", str(venue.pk))
    page.select_option("#id_bureau", str(bureau.pk))
    page.check("text=少儿天文观测")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("南昌市青少年宫")
    screenshot(page, "venue-4-applied")
    assert SelectionProcess.objects.get().organization == venue


def test_a_volunteer_signs_up_registers_uploads_and_applies_for_vetting(page):
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    _sign_up_and_confirm(page, "volunteer@example.cn", "volunteer")
    page.click("a:has-text('个人注册')")
    page.fill("#id_name", "周九")
    number = make_id_number(777)
    page.fill("#id_id_number", number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.select_option("#id_kind", "volunteer")
    page.check("#id_personal_data_consent")  # the separate consent (单独同意), unticked first
    page.click("main form button[type=submit]")
    expect(page.locator("#id_id_number_errors")).to_contain_text("校验")
    assert not Person.objects.exists()
    page.fill("#id_id_number", number)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("周九")
    person = Person.objects.get()
    expect(page.locator("main")).not_to_contain_text(number)
    page.click("a.portal-button:has-text('证件材料')")
    page.wait_for_url(f"**/documents/person/{person.pk}/")
    codes = page.eval_on_selector_all("#id_document_type option",
                                      "os => os.map(o => o.value).filter(v => v)")
    assert "volunteer_registration" in codes and "retirement_certificate" not in codes
    for code in codes:
        _upload(page, code, f"{code}.pdf")
    screenshot(page, "volunteer-3-documents")
    page.goto(f"/registry/portal/people/{person.pk}/")
    page.click("a:has-text('申请资格审查')")
    page.select_option("#id_bureau", str(bureau.pk))
    page.check("#id_consent")
    page.click("main button[type=submit]")
    # the application ends on the new case's page, as an organization's does
    case = VettingProcess.objects.get()
    page.wait_for_url(f"**/selection/cases/vetting/{case.pk}/")
    expect(page.locator("h1")).to_contain_text("周九")
    screenshot(page, "volunteer-4-applied")
    assert case.person == person
