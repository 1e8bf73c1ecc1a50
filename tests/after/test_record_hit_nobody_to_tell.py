"""A record hit about a person whom nobody with an account can be told of is told to them
in writing (书面告知), whatever the reason there is nobody: no account of their own and no
organization, an organization with nobody (administrator or provider user) left to act for
it, an account of their own that is disabled. One rule decides it
(``registry.selectors.record_hit_notice.record_hit_reach``): whoever it finds is told (or,
for the organization's, asked to invite the person) and the bureau is not asked to write;
when it finds nobody, the bureau's administrators are asked and the person is listed on the
blacklist proposals page with the notice to print and the form to record the telling.
Through the pages, in Chinese, as the clerk and the administrators would."""

import datetime

import pytest
from django.urls import reverse

from registry import services
from registry.models import AuditEvent, BlacklistProposal, RecordRequery
from registry.roles import Role
from registry.selectors.record_hit_notice import record_hits_to_tell_in_writing
from tests.after.beat import at, beat_day
from tests.after.test_requery_consent_form import _consent_form
from tests.factories import OrganizationFactory, PersonFactory, UserFactory
from workflows.models import Notification

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
HIT_DAY = datetime.date(2027, 3, 5)
ASKED = "有一名查询有记录的人员需书面告知"


def _record_hit(people, person, client) -> BlacklistProposal:
    """The clerk records a hit in ``person``'s yearly re-query, through the page."""
    with at(HIT_DAY):
        client.force_login(people["clerk"])
        recorded = client.post(reverse("registry:requery-record", args=[
            people["bureau"].pk, RecordRequery.objects.get(person=person).pk]),
            {"query_reference": "CX-2027-901", "query_date": "2027-03-04", "result": "hit"},
            **ZH)
        assert recorded.status_code == 302
    return BlacklistProposal.objects.get(person=person)


@pytest.fixture
def admin(people):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.BUREAU_ADMIN, target=people["bureau"])
    return user


@pytest.fixture
def employed(people, coach, admin):
    """The coach (no account of their own) is on their organization's roster; the yearly
    re-query is open and the organization's consent form is on file."""
    beat_day(datetime.date(2027, 3, 1))
    _consent_form(coach["manager"], coach["person"], people["clerk"], datetime.date(2027, 3, 2))
    Notification.objects.all().delete()
    return coach


def _section(page: str, hit) -> str:
    return page.split(f'id="notice-{hit.pk}"')[1].split("</section>")[0]


def _proposals_page(client, user, bureau) -> str:
    with at(HIT_DAY):
        client.force_login(user)
        response = client.get(reverse("registry:blacklist-proposals", args=[bureau.pk]), **ZH)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("gone", ["role_revoked", "account_disabled"])
def test_an_organization_nobody_acts_for_leaves_the_bureau_to_tell_in_writing(
        people, employed, admin, client, gone):
    # given the organization's only provider user is gone (role taken away, or disabled),
    # and it has no administrator
    manager, person = employed["manager"], employed["person"]
    if gone == "role_revoked":
        services.role_revoke(actor=None, user=manager, role=Role.PROVIDER,
                             target=person.organization)
    else:
        manager.is_active = False
        manager.save(update_fields=["is_active"])
    # when the clerk records a hit about the coach
    hit = _record_hit(people, person, client)
    # then nobody of the organization is told or asked (there is nobody), and the bureau's
    # administrator is asked to tell the coach in writing
    assert not Notification.objects.exclude(user=admin).exclude(
        user=people["clerk"]).exists()
    [ask] = Notification.objects.filter(user=admin, subject=ASKED)
    assert "所属机构无人持有账号" in ask.body and person.name not in ask.body
    # and the page lists the coach, saying why, with the notice to print and the form
    page = _proposals_page(client, admin, people["bureau"])
    section = _section(page, hit)
    assert person.name in section and "需书面告知" in page
    assert f"其所属机构（{person.organization.name}）也无人持有账号可邀请其认领" in section
    assert "尚未登记已告知" in section
    assert reverse("registry:record-hit-notice", args=[people["bureau"].pk, hit.pk]) in section
    assert reverse("registry:record-hit-told", args=[people["bureau"].pk, hit.pk]) in section
    # and the administrator prints the notice and records the telling, as for anyone
    with at(datetime.date(2027, 3, 8)):
        client.force_login(admin)
        notice = client.get(reverse("registry:record-hit-notice",
                                    args=[people["bureau"].pk, hit.pk]), **ZH)
        assert notice.status_code == 200 and "申请一次复查" in notice.content.decode()
        told = client.post(reverse("registry:record-hit-told",
                                   args=[people["bureau"].pk, hit.pk]),
                           {"told_on": "2027-03-08", "way": "in_person"}, **ZH)
    assert told.status_code == 302
    [event] = AuditEvent.objects.filter(action="blacklist.record_hit_told")
    assert event.actor == admin and event.target_id == str(hit.pk)


def test_an_organization_someone_acts_for_is_asked_to_invite_not_the_bureau(
        people, employed, admin, client):
    # given the organization's provider user is still there
    manager, person = employed["manager"], employed["person"]
    # when the clerk records a hit about the coach
    hit = _record_hit(people, person, client)
    # then the manager is asked to have the coach claim their record, and the bureau is
    # not asked to write
    assert Notification.objects.filter(user=manager, subject__contains=person.name).exists()
    assert not Notification.objects.filter(subject=ASKED).exists()
    assert f'id="notice-{hit.pk}"' not in _proposals_page(client, admin, people["bureau"])


def test_a_disabled_account_of_ones_own_reaches_nobody(people, admin, client):
    # given a person whose own account is disabled, with no organization
    person = PersonFactory(name="停用账号者", organization=None, user=UserFactory())
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])
    # when a hit is recorded about them
    with at(HIT_DAY):
        hit = services.person_bar_for_record_hit(actor=people["clerk"], bureau=people["bureau"],
                                                 person=person, reason="查询有记录")
    # then the bureau is asked to tell them in writing, and lists them
    assert Notification.objects.filter(user=admin, subject=ASKED).exists()
    section = _section(_proposals_page(client, admin, people["bureau"]), hit)
    assert "无本人账号，也无所属机构" in section


def test_the_bureaus_list_is_read_in_a_few_queries(people, admin, django_assert_max_num_queries):
    # given a dozen hits: some reach nobody (no organization; an organization nobody acts
    # for), some reach someone (an account of their own; an organization's provider user)
    lone = [PersonFactory(name=f"独立{n}") for n in range(4)]
    orphaned = [PersonFactory(name=f"无人机构{n}", organization=OrganizationFactory())
                for n in range(4)]
    reached = [PersonFactory(user=UserFactory()) for _ in range(3)]
    staffed_by = OrganizationFactory()
    services.role_grant(actor=None, user=UserFactory(), role=Role.PROVIDER, target=staffed_by)
    staffed = [PersonFactory(organization=staffed_by) for _ in range(2)]
    for person in [*lone, *orphaned, *reached, *staffed]:
        services.person_bar_for_record_hit(actor=people["clerk"], bureau=people["bureau"],
                                           person=person, reason="查询有记录")
    # when the page's list is read
    with django_assert_max_num_queries(6):
        hits = record_hits_to_tell_in_writing(people["bureau"])
        names = {hit.person.name for hit in hits}
    # then it holds exactly those nobody can be told of
    assert names == {p.name for p in [*lone, *orphaned]}
