"""Two pages this round changed, as their users meet them in Chinese at a desktop's and a
phone's size (axe, width and leaked English checked by ``screenshot``): the bureau's page
after a reinstatement that another cause still holds, and a provider's page as a school
sees it, with an offering its approval does not cover."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import services
from registry.models import Approval, ApprovalHold, Bureau, RecordQueryConsent, RecordRequery
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import OfferingFactory, PersonFactory, UserFactory
from tests.registry.builders import approve, category, organization, school_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _page(size, new_page, new_phone_page, user):
    return login((new_page if size == "desktop" else new_phone_page)(), user)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_bureau_is_told_what_still_holds_a_provider_it_reinstates(size, new_page,
                                                                    new_phone_page):
    # given an organization suspended by the bureau, whose insurance then expired
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    admin = UserFactory()
    services.role_grant(actor=None, user=admin, role=Role.BUREAU_ADMIN, target=bureau)
    org = organization("南昌市青少年体育俱乐部", ("少儿篮球", "sport", "30"))
    approval = approve(organization=org, where="360100", categories=("sport",))
    services.provider_suspend(actor=admin, bureau=bureau, organization=org, reason="事故调查")
    services.approval_suspend(actor=None, approval=approval, reason="证件过期：责任保险",
                              cause=ApprovalHold.Cause.CREDENTIAL)
    # when the administrator reinstates it from the provider's page
    page = _page(size, new_page, new_phone_page, admin)
    page.goto(f"/registry/providers/{org.pk}/")
    page.select_option(f"#sanction-action-{bureau.pk}", "reinstate")
    page.fill(f"#sanction-reason-{bureau.pk}", "调查结束，无责任")
    page.check("input[name=confirm]")
    page.locator("form button[type=submit]", has_text="执行").first.click()
    page.wait_for_url(f"**/registry/bureau/{bureau.pk}/")
    # then the page says it stays suspended, and why, in Chinese
    body = page.inner_text("body")
    assert "暂停将持续" in body and "证件已过期" in body
    assert Approval.objects.get(pk=approval.pk).status == Approval.Status.SUSPENDED
    screenshot(page, f"reinstate-still-held-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_school_sees_which_offerings_it_may_engage_on_the_providers_page(
        size, new_page, new_phone_page):
    # given an organization approved for sport that has added a swimming course
    org = organization("南昌市蓝海体育培训中心", ("少儿篮球", "sport", "30"))
    OfferingFactory(organization=org, category=category("swimming"), title="少儿游泳",
                    fee_per_session=Decimal("40"))
    approve(organization=org, where="360100", categories=("sport",))
    user, _school = school_user("360102")
    # when a school opens its page
    page = _page(size, new_page, new_phone_page, user)
    page.goto(f"/registry/providers/{org.pk}/")
    # then basketball can be engaged, swimming says it is not covered
    rows = page.locator("main table tbody tr")
    assert "登记引进项目" in rows.filter(has_text="少儿篮球").inner_text()
    swimming = rows.filter(has_text="少儿游泳").inner_text()
    assert "不在其准入范围内" in swimming and "登记引进项目" not in swimming
    screenshot(page, f"provider-page-coverage-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_school_outside_a_providers_area_is_told_it_may_not_engage_it(
        size, new_page, new_phone_page):
    # given an organization approved only in 九江市, and a school in 南昌市东湖区
    org = organization("九江市星河艺术培训有限公司", ("少儿美术", "arts", "25"))
    approve(organization=org, where="360400", categories=("arts",))
    user, _school = school_user("360102")
    # when the school opens its page, it reads why, and no way to engage it
    page = _page(size, new_page, new_phone_page, user)
    page.goto(f"/registry/providers/{org.pk}/")
    body = page.inner_text("main")
    assert "该机构的准入资格均不在贵校所在的区县、市或省有效，贵校不得聘用。" in body
    assert "登记引进项目" not in body
    screenshot(page, f"provider-page-elsewhere-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_clerk_sees_whose_consent_to_the_re_query_is_on_record(
        size, new_page, new_phone_page):
    # given two people in service due for their yearly re-query: one consented in their
    # account, one (staff without an account) has not
    bureau = Bureau.objects.get(jurisdiction__code="360100")
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
    today = timezone.localdate()
    for name, account in (("王晓明", UserFactory()), ("无账号教练", None)):
        person = PersonFactory(name=name, user=account)
        approval = approve(person=person, where="360100", categories=("reading",))
        RecordRequery.objects.create(approval=approval, person=person, bureau=bureau,
                                     year=today.year, opened_on=today,
                                     due_on=today + datetime.timedelta(days=30))
        if account is not None:
            services.consent_give(actor=account, person=person, bureau=bureau,
                                  purpose=RecordQueryConsent.Purpose.REQUERY)
    # when the clerk opens the re-queries
    page = _page(size, new_page, new_phone_page, clerk)
    page.goto(f"/registry/bureau/{bureau.pk}/requeries/")
    # then each says whether the query can be made
    sections = page.locator("main section")
    assert "本人已在其账户中作出同意" in sections.filter(has_text="王晓明").inner_text()
    assert "尚未同意：暂不能查询" in sections.filter(has_text="无账号教练").inner_text()
    screenshot(page, f"requeries-consent-{size}")
