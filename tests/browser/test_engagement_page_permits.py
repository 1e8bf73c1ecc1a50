"""The engagement's page as the school meets it in Chinese, at a desktop's and a phone's
size (axe, width and leaked English checked by ``screenshot``): the way back to its
engagements and the incident report at the top, and the entry permits, one of whose
holders may not come in because her own approval is suspended, said in words."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import services
from registry.models import Approval
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.contracts.test_contract import sign_all
from tests.factories import UserFactory
from tests.registry.builders import approve, organization, person, school_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_school_reads_who_may_not_come_in_and_where_to_go_next(size, new_page,
                                                                  new_phone_page):
    # given an active engagement of two coaches, one of whom the bureau has suspended
    today = timezone.localdate()
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026年秋季学期",
                                       starts_on=today - datetime.timedelta(days=7),
                                       ends_on=today + datetime.timedelta(days=100),
                                       project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    coaches = [person("张建华"), person("李明")]
    for coach in coaches:
        approve(person=coach, where="360100", categories=("sport",))
    provider = UserFactory()
    services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)
    engagement = services.engagement_create(
        actor=user, school=school, term=term, organization=org, offering=org.offerings.get(),
        fee_per_session=Decimal("45"), sessions=16, places=30, roster=coaches)
    engagement = sign_all({"user": user, "provider": provider}, engagement)
    services.engagement_activate(actor=user, engagement=engagement)
    services.approval_suspend(actor=None, approval=Approval.objects.get(person=coaches[0]),
                              reason="投诉调查")
    # when the school opens the engagement's page
    page = login((new_page if size == "desktop" else new_phone_page)(), user)
    page.goto(f"/registry/engagements/{engagement.pk}/")
    # then the way back and the report are there, on the screen's width
    for element_id in ("engagements-back", "engagement-incident"):
        link = page.locator(f"#{element_id}")
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    # and the suspended coach's permit says she may not come in, and why
    barred = page.locator(".permit-suspended")
    assert barred.count() == 1
    assert "不可入校：本人的个人准入已暂停。" in barred.inner_text()
    assert "不可入校" not in page.locator(".permit-valid").inner_text()
    screenshot(page, f"engagement-permits-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_ended_engagement_leads_the_school_to_rate_it(size, new_page, new_phone_page):
    # given an engagement the school ended early, in a term still running
    today = timezone.localdate()
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026年秋季学期",
                                       starts_on=today - datetime.timedelta(days=7),
                                       ends_on=today + datetime.timedelta(days=100),
                                       project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    coach = person("张建华")
    approve(person=coach, where="360100", categories=("sport",))
    provider = UserFactory()
    services.role_grant(actor=None, user=provider, role=Role.PROVIDER, target=org)
    engagement = services.engagement_create(
        actor=user, school=school, term=term, organization=org, offering=org.offerings.get(),
        fee_per_session=Decimal("45"), sessions=16, places=30, roster=[coach])
    engagement = sign_all({"user": user, "provider": provider}, engagement)
    services.engagement_activate(actor=user, engagement=engagement)
    services.engagement_end(actor=user, engagement=engagement, reason="场地改建")
    # when the school opens its page, it follows the link to rate the provider
    page = login((new_page if size == "desktop" else new_phone_page)(), user)
    page.goto(f"/registry/engagements/{engagement.pk}/")
    screenshot(page, f"engagement-ended-rate-{size}")
    page.locator("#engagement-rate").click()
    page.wait_for_url(f"**/registry/school/terms/{term.pk}/ratings/#rating-{engagement.pk}")
    # and lands on the rating form of that engagement
    assert page.locator(f"#rate-{engagement.pk}").is_visible()
