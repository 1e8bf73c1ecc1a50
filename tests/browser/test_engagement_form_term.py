"""A school fills in the engagement form, finds the term is missing, and adds it from the
same form: what it typed stays (the term used to be a separate form, and saving it brought
back only the chosen provider)."""

import pytest
from playwright.sync_api import expect

from registry import services
from registry.models import Engagement, SchoolTerm
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import UserFactory
from tests.registry.builders import approve, days, organization, school_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _setting():
    user, school = school_user("360102", name="南昌市育新学校")
    user.first_name = "张老师"
    user.save(update_fields=["first_name"])
    services.school_term_create(actor=user, school=school, name="2026年秋季学期",
                                starts_on=days(-5), ends_on=days(120), project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    services.role_grant(actor=None, user=UserFactory(), role=Role.PROVIDER, target=org)
    return user, school, org


def test_the_school_adds_the_missing_term_without_losing_the_form(page):
    user, school, org = _setting()
    login(page, user)
    page.goto(f"/registry/school/engagements/?school={school.pk}&organization={org.pk}")
    form = page.locator("#record-engagement")
    expect(form).to_contain_text(org.name)
    # the school types the engagement: an offering, the fee, sessions, places and grades
    page.select_option("#id_eng-offering", index=1)
    page.fill("#id_eng-fee_per_session", "45")
    page.fill("#id_eng-sessions", "16")
    page.fill("#id_eng-places", "30")
    page.fill("#id_eng-grade_min", "3")
    page.fill("#id_eng-grade_max", "5")
    # then finds that its term is not listed, and adds it at the end of the same form
    page.locator("#new-term summary").click()
    page.fill("#id_term-name", "2027年春季学期")
    page.fill("#id_term-starts_on", days(130).isoformat())
    page.fill("#id_term-ends_on", days(250).isoformat())
    page.fill("#id_term-project_count", "12")
    screenshot(page, "engagement-form-adding-a-term")
    page.locator("#new-term button[name=add-term]").click()
    # the term is recorded; what was typed is all there, with the new term chosen
    expect(page.locator(".portal-messages")).to_contain_text("学期已登记")
    term = SchoolTerm.objects.get(school=school, name="2027年春季学期")
    expect(page.locator("#id_eng-term")).to_have_value(str(term.pk))
    expect(page.locator("#id_eng-fee_per_session")).to_have_value("45")
    expect(page.locator("#id_eng-sessions")).to_have_value("16")
    expect(page.locator("#id_eng-places")).to_have_value("30")
    expect(page.locator("#id_eng-grade_min")).to_have_value("3")
    expect(page.locator("#id_eng-grade_max")).to_have_value("5")
    expect(page.locator("#id_eng-offering")).to_have_value(str(org.offerings.get().pk))
    expect(page.locator("#id_term-name")).to_have_value("")
    screenshot(page, "engagement-form-after-the-term")
    # and the engagement is saved as typed, for the new term
    page.locator("#record-engagement > fieldset > button[type=submit]").click()
    expect(page.locator(".portal-messages")).to_contain_text("引进项目已登记")
    engagement = Engagement.objects.get(school=school)
    assert (engagement.term, engagement.sessions, engagement.places) == (term, 16, 30)
    assert str(engagement.fee_per_session) == "45.00"
