"""The review case: the incident → suspension → 复核 → lifted journey in headless Chromium, in
Simplified Chinese. The school, the provider and the school again act through their pages;
the bureau's own task steps (investigate, decide, re-examine) go through the same service
the task pages call (``task_perform``), as in the other journeys."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry import services as registry_services
from registry.models import Approval, Engagement
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.factories import ApprovalFactory, SchoolFactory, UserFactory
from tests.workflows.conftest import open_tasks
from workflows import task_actions
from workflows.models import ReviewCaseProcess

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _perform(case, node, actor, data):
    [task] = open_tasks(case, node)
    assert task_actions.task_perform(actor=actor, task=task, data=data)


def test_incident_suspension_reexamination_and_restoration(new_page, world):
    w = world
    today = timezone.localdate()
    approval = ApprovalFactory(organization=w.organization, status=Approval.Status.APPROVED,
                               valid_from=today - datetime.timedelta(days=30),
                               valid_until=today + datetime.timedelta(days=300))
    approval.categories.set([w.offering.category])
    school = SchoolFactory(name="南昌市育新学校")
    teacher = UserFactory(username="school-user", first_name="张老师")
    registry_services.role_grant(actor=w.root, user=teacher, role=Role.SCHOOL, target=school)
    term = registry_services.school_term_create(
        actor=teacher, school=school, name="2026 秋季学期", starts_on=today,
        ends_on=today + datetime.timedelta(days=100), project_count=10)
    engagement = registry_services.engagement_create(
        actor=teacher, school=school, term=term, organization=w.organization,
        offering=w.offering, fee_per_session=Decimal("20"), sessions=16)
    assert engagement.status == Engagement.Status.DRAFT  # not signed yet: no roster, no papers
    decider, examiner = UserFactory(), UserFactory()
    for admin in (decider, examiner):
        registry_services.role_grant(actor=w.root, user=admin, role=Role.BUREAU_ADMIN,
                                     target=w.bureau)

    # the school reports an incident from its engagements page
    school_page = login(new_page(), teacher)
    school_page.goto(f"{reverse('registry:school-engagements')}?school={school.pk}")
    school_page.locator(f"#engagement-{engagement.pk} a.engagement-incident").click()
    form = school_page.locator("main form")
    form.locator("select[name=kind]").select_option("safety")
    form.locator("textarea[name=description]").fill("课后服务时间学生在走廊摔伤，看护人员不在岗")
    form.locator("input[name=occurred_on]").fill(today.isoformat())
    screenshot(school_page, "6-school-reports-incident")
    form.locator("button:has-text('报告')").click()
    expect(school_page.locator(".portal-messages")).to_contain_text("已")
    case = ReviewCaseProcess.objects.get(organization=w.organization)
    assert case.trigger == "incident"

    # the clerk investigates and the provider is given notice
    _perform(case, "investigate", w.clerk, {
        "findings": "看护人员离岗二十分钟", "intended_action": "suspend",
        "reasons": "未履行安全看护责任，拟暂停准入"})
    provider_page = login(new_page(), w.provider)
    provider_page.goto(reverse("workflows:review-case", args=[case.pk]))
    expect(provider_page.locator("#notice")).to_contain_text("未履行安全看护责任")
    provider_page.fill("#respond-form textarea[name=text]", "已更换看护人员并加强安全培训")
    provider_page.fill("#respond-form textarea[name=evidence]", "培训签到表、排班表")
    screenshot(provider_page, "6-provider-answers-notice")
    provider_page.locator("#respond-form button").click()
    expect(provider_page.locator("#case-stage")).to_contain_text("待决定")

    # another administrator suspends: the school's page shows it with what to do
    _perform(case, "decide", decider, {"decision": "suspend", "reason": "安全责任未落实"})
    school_page.goto(f"{reverse('registry:school-engagements')}?school={school.pk}")
    status = school_page.locator(f"#engagement-{engagement.pk} .engagement-status")
    expect(status).to_contain_text("已暂停")
    expect(status).to_contain_text("另行安排")
    screenshot(school_page, "6-school-sees-suspension")

    # the provider asks for 复核 on the case page
    provider_page.goto(reverse("workflows:review-case", args=[case.pk]))
    expect(provider_page.locator("#decision")).to_contain_text("暂停")
    provider_page.fill("#reexamination-form textarea[name=statement]", "已整改完毕，请求复核")
    provider_page.locator("#reexamination-form button").click()
    expect(provider_page.locator("#case-stage")).to_contain_text("复核")
    screenshot(provider_page, "6-provider-asks-reexamination")

    # someone who neither decided nor investigated lifts it: the school's page shows it back
    # where the suspension found it (a draft here, not made active by the lifting)
    _perform(case, "reexamine", examiner, {"outcome": "lifted", "reason": "整改到位"})
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.DRAFT
    school_page.goto(f"{reverse('registry:school-engagements')}?school={school.pk}")
    expect(status).to_contain_text("草稿")
    expect(status).not_to_contain_text("暂停")
    screenshot(school_page, "6-school-sees-restoration")
    provider_page.goto(reverse("workflows:review-case", args=[case.pk]))
    expect(provider_page.locator("#case-stage")).to_contain_text("已办结")
    screenshot(provider_page, "6-provider-case-closed")
