"""Pages changed in the last round, looked at in Chinese at a desktop's (1280) and a phone's
(390) width, each in the state it was changed for: the suspension card on an organization's
page, a suspended person's own 我的入职查询 page, the parents' page with two terms running,
the documents page with a renewal due, the personal-data access log, the engagement page
with a suspended coach, the invitation page (open and spent) and 我的申请 with vetting rows.
``screenshot`` checks each (axe, the phone's width, no leaked English) and keeps a PNG under
var/screenshots/recent-*."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from documents.models import Document
from registry import mail as registry_mail
from registry import services
from registry.models import ApprovalHold, Bureau, ProviderInvitation
from registry.roles import Role
from tests.browser.conftest import login, screenshot
from tests.contracts.conftest import _signing_key, contract, engage  # noqa: F401
from tests.contracts.test_contract import sign_all
from tests.factories import PersonFactory, UserFactory
from tests.registry.builders import approve, bureau_admin, days, organization, person
from tests.workflows.conftest import upload_all
from tests.workflows.test_documents_summary import insurance_due_in_ten_days
from workflows.models import VettingProcess
from workflows.services import selection, vetting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SIZES = ["desktop", "phone"]
REASON = "家长投诉：课堂无人看护，正在调查"


def _open(size, new_page, new_phone_page, user=None):
    page = (new_page if size == "desktop" else new_phone_page)()
    return login(page, user) if user is not None else page


def _off_the_edge(page):
    """The toolbar's links and language switch stand clear of the screen's left edge (on a
    phone they wrap onto a line of their own, and touched it)."""
    left = page.locator("header .portal-toolbar select, header .portal-toolbar a").first
    assert left.bounding_box()["x"] >= 4, left.bounding_box()


def _provider_of(subject):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=subject)
    return user


# 1. the organization's page with its suspension card --------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_suspended_organization_reads_why_and_whom_to_answer(size, new_page, new_phone_page):
    # given an organization suspended by the bureau, whose insurance has also expired
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approval = approve(organization=org, where="360100", categories=("sport",))
    user = _provider_of(org)
    Bureau.objects.filter(jurisdiction__code="360100").update(
        phone="0791-86765432", email="jyj@nc.example.cn")
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, organization=org, reason=REASON)
    services.approval_suspend(actor=None, approval=approval, reason="证件过期：责任保险",
                              cause=ApprovalHold.Cause.CREDENTIAL)
    # when its user opens its page
    page = _open(size, new_page, new_phone_page, user)
    page.goto(reverse("registry:portal-organization", args=[org.pk]))
    # then the card says each cause, the bureau's reason, and whom to answer
    card = page.inner_text("#suspension")
    assert "已暂停" in card and REASON in card
    assert "教育局作出的暂停决定" in card and "材料页面上传" in card
    assert bureau.name in card and "0791-86765432" in card and "jyj@nc.example.cn" in card
    screenshot(page, f"recent-1-organization-suspended-{size}")


# 2. a suspended person's own page (我的入职查询) -------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_suspended_person_reads_the_reason_on_their_own_page(size, new_page, new_phone_page):
    # given a coach with her own account, approved, then suspended by the bureau
    coach = person("张建华")
    coach.user = UserFactory()
    coach.save(update_fields=["user"])
    services.role_grant(actor=None, user=coach.user, role=Role.PROVIDER, target=coach)
    approve(person=coach, where="360100", categories=("sport",))
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=coach, reason=REASON)
    # when she opens the page her notice points to
    page = _open(size, new_page, new_phone_page, coach.user)
    page.goto(reverse("registry:my-sanctions"))
    # then it has the reason, and does not say nothing was found about her
    assert REASON in page.inner_text("#suspension")
    body = page.inner_text("main")
    assert "入职查询未发现关于您的记录" not in body
    _off_the_edge(page)
    screenshot(page, f"recent-2-person-suspended-{size}")


# 3. the parents' page with two terms running today ----------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_parents_read_the_activities_of_both_terms_running_today(size, new_page, new_phone_page,
                                                                 contract):  # noqa: F811
    # given the semester's active engagement, and a shorter programme begun yesterday
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    services.school_term_create(actor=contract["user"], school=contract["school"],
                                name="2026 冬季托管", starts_on=days(-1), ends_on=days(30),
                                project_count=2)
    Bureau.objects.filter(jurisdiction__code="360100").update(phone="0791-86765432")
    # when a parent (not signed in) opens the school's page
    page = _open(size, new_page, new_phone_page)
    page.goto(reverse("registry:parents-page", args=[contract["school"].pk]))
    # then both terms are named and the semester's activity is still there, masked
    main = page.inner_text("main")
    assert "2026 秋季学期" in main and "2026 冬季托管" in main
    row = page.locator("main table tbody tr").first.inner_text()
    assert contract["offering"].title in row and "张*华" in row and "张建华" not in main
    # the bureau to complain to is named beside the activity, as the page says below
    assert "批准该服务提供方的教育局投诉（见各项目旁所列）" in main
    assert "南昌市教育局 · 0791-86765432" in row
    _off_the_edge(page)
    screenshot(page, f"recent-3-parents-two-terms-{size}")


# 4. the provider's documents page with a renewal due --------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_the_documents_page_says_complete_with_a_renewal_due(size, new_page, new_phone_page,
                                                             world):
    w = world
    soon = insurance_due_in_ten_days(w)
    page = _open(size, new_page, new_phone_page, w.provider)
    page.goto(reverse("documents:subject", args=["organization", w.organization.pk]))
    card = page.locator("main .doc-card").first.inner_text()
    assert "不齐全" not in card and "齐全" in card
    assert "责任保险" in page.inner_text("#renewals-due + ul")
    # the checklist's badge says it, legibly (axe's contrast, in screenshot: it was white on
    # orange, 3:1)
    assert page.locator("main .doc-table .doc-badge--expiring").inner_text() == "即将到期"
    screenshot(page, f"recent-4-documents-renewal-due-{size}")
    # and once it has expired: incomplete
    Document.objects.filter(pk=soon.pk).update(expires_on=days(-1))
    page.reload()
    assert "不齐全" in page.locator("main .doc-card").first.inner_text()
    screenshot(page, f"recent-4-documents-expired-{size}")


# 5. the personal-data access log -----------------------------------------------------------

def _read_by_the_clerk(w):
    """A volunteer with an account, whose ID card the clerk read through a vetting case."""
    user = UserFactory()
    volunteer = PersonFactory(organization=w.organization, user=user, kind="volunteer",
                              name="周秀兰")
    upload_all(w.provider, volunteer)
    case = vetting.vetting_start(actor=w.provider, person=volunteer, bureau=w.bureau)
    card = Document.objects.get(person=volunteer, document_type__code="id_card",
                                superseded_at=None)
    client = APIClient()
    client.force_authenticate(w.clerk)
    assert client.get(f"/api/v1/documents/{card.pk}/download/").status_code == 200
    return volunteer, case


@pytest.mark.parametrize("size", SIZES)
def test_the_access_log_names_the_case_in_words(size, new_page, new_phone_page, world):
    w = world
    volunteer, case = _read_by_the_clerk(w)
    # the bureau's administrator reads who read what, through which case
    page = _open(size, new_page, new_phone_page, w.admin)
    page.goto(reverse("documents:access-log") + "?scope=bureau")
    row = page.locator("main table tbody tr").first.inner_text()
    assert f"外聘人员资格审查申请第 {case.pk} 号" in row and "vetting #" not in row
    assert "周秀兰" in row and volunteer.id_number not in page.content()
    screenshot(page, f"recent-5-access-log-bureau-{size}")
    # the person reads which bureau read it, not who
    mine = _open(size, new_page, new_phone_page, volunteer.user)
    mine.goto(reverse("documents:access-log"))
    row = mine.locator("main table tbody tr").first.inner_text()
    assert w.bureau.name in row and w.clerk.username not in mine.content()
    screenshot(mine, f"recent-5-access-log-person-{size}")


# 6. the engagement page with a suspended coach, on a day without a lesson -----------------

@pytest.mark.parametrize("size", SIZES)
def test_the_engagement_page_says_who_may_not_come_in(size, new_page, new_phone_page,
                                                     contract):  # noqa: F811
    # given an active engagement that starts next week, and one coach suspended since
    engagement = sign_all(contract, engage(contract, starts_on=days(7)))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    suspended, _other = contract["coaches"]
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=suspended, reason="投诉调查")
    # when the school opens it
    page = _open(size, new_page, new_phone_page, contract["user"])
    page.goto(reverse("registry:engagement-detail", args=[engagement.pk]))
    rows = page.locator("main table").nth(1).locator("tbody tr")
    barred = rows.filter(has_text="张建华").inner_text()
    # while suspended, not "today" only: the engagement holds no lesson today at all
    assert "个人准入恢复有效前不得入校" in barred and "今日" not in barred
    assert "不得入校" not in rows.filter(has_text="李明").inner_text()
    # the table's line across its columns is not labelled as its first column on a phone
    no_lesson = page.locator("#lessons + table tbody td")
    assert no_lesson.inner_text() == "尚未登记课次。"
    assert no_lesson.get_attribute("data-label") is None
    screenshot(page, f"recent-6-engagement-barred-{size}")


# 7. the invitation page, open and spent, to someone not signed in -------------------------

def _invitation(**extra):
    admin = UserFactory(email="admin@example.cn")
    org = organization("南昌市青少年体育俱乐部", ("少儿篮球", "sport", "30"))
    org.administrator = admin
    org.save(update_fields=["administrator"])
    services.role_grant(actor=None, user=admin, role=Role.PROVIDER, target=org)
    invitation = services.provider_invitation_create(
        actor=admin, organization=org, email="colleague@example.cn",
        base_url="http://testserver", **extra)
    return invitation, f"/registry/portal/invitations/{registry_mail.invitation_token(invitation)}/"


@pytest.mark.parametrize("size", SIZES)
def test_an_invitation_opened_by_someone_not_signed_in(size, new_page, new_phone_page):
    invitation, link = _invitation()
    page = _open(size, new_page, new_phone_page)
    page.goto(link)
    main = page.inner_text("main")
    assert "南昌市青少年体育俱乐部 邀请您代表该机构办理" in main
    assert "colleague@example.cn" in main
    assert page.locator("main a", has_text="登录").count() == 1
    assert page.locator("main a", has_text="注册").count() == 1
    screenshot(page, f"recent-7-invitation-open-{size}")
    # used: said at once, with nothing to sign in or up for
    ProviderInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    page.goto(link)
    main = page.inner_text("main")
    assert "已被使用" in main and "注册" not in main
    assert page.locator("main li", has_text="已被使用").count() == 1  # said once, not twice
    screenshot(page, f"recent-7-invitation-used-{size}")
    # expired
    ProviderInvitation.objects.filter(pk=invitation.pk).update(
        accepted_at=None, expires_at=timezone.now() - datetime.timedelta(days=1))
    page.goto(link)
    main = page.inner_text("main")
    assert "过期" in main and "注册" not in main
    assert page.locator("main li", has_text="过期").count() == 1
    assert "该邀请由 南昌市青少年体育俱乐部 发出" in page.inner_text("main .portal-card")
    screenshot(page, f"recent-7-invitation-expired-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_roster_invitation_opened_by_someone_not_signed_in(size, new_page, new_phone_page):
    coach = PersonFactory(name="张建华")
    _invitation_, link = _invitation_for_roster(coach)
    page = _open(size, new_page, new_phone_page)
    page.goto(link)
    main = page.inner_text("main")
    # whoever holds the link, before signing in as the address invited: the name masked
    assert "南昌市青少年体育俱乐部 邀请您认领其人员名单中您本人的记录（张*华）" in main
    assert "张建华" not in page.content()
    screenshot(page, f"recent-7-invitation-roster-{size}")
    # signed in with the address invited: the name in full, and the way to accept
    login(page, UserFactory(email="coach@example.cn"))
    page.goto(link)
    assert "（张建华）" in page.inner_text("main")
    assert page.locator("main button", has_text="接受").count() == 1
    screenshot(page, f"recent-7-invitation-roster-invitee-{size}")


def _invitation_for_roster(coach):
    admin = UserFactory(email="admin@example.cn")
    org = organization("南昌市青少年体育俱乐部", ("少儿篮球", "sport", "30"))
    org.administrator = admin
    org.save(update_fields=["administrator"])
    services.role_grant(actor=None, user=admin, role=Role.PROVIDER, target=org)
    coach.organization = org
    coach.save(update_fields=["organization"])
    invitation = services.provider_invitation_create(
        actor=admin, organization=org, email="coach@example.cn",
        base_url="http://testserver", person=coach)
    return invitation, f"/registry/portal/invitations/{registry_mail.invitation_token(invitation)}/"


# 8. 我的申请 with the staff's vetting rows ---------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_my_applications_list_the_selection_and_the_staffs_vetting(size, new_page,
                                                                   new_phone_page, world):
    w = world
    chosen = selection.selection_apply(actor=w.provider, organization=w.organization,
                                       bureau=w.bureau, offerings=[w.offering])
    staff_case = vetting.vetting_start(actor=w.provider, person=w.person, bureau=w.bureau)
    page = _open(size, new_page, new_phone_page, w.provider)
    page.goto(reverse("workflows:cases"))
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    vetting_row = rows.filter(has=page.locator(
        f"a[href='/selection/cases/vetting/{staff_case.pk}/']")).inner_text()
    assert "外聘人员资格审查申请" in vetting_row and w.person.name in vetting_row
    selection_row = rows.filter(has=page.locator(
        f"a[href='/selection/cases/{chosen.pk}/']")).inner_text()
    assert "机构遴选申请" in selection_row and w.organization.name in selection_row
    assert VettingProcess.objects.filter(person=w.person).exists()
    screenshot(page, f"recent-8-my-applications-{size}")
