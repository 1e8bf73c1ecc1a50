"""A sanction reaches the provider's users, its roster and every school with an
engagement resting on the approval, the same day; engagements follow the approval."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import AuditEvent, Engagement
from registry.roles import Role
from tests.factories import EngagedOrganizationFactory, PersonFactory, UserFactory
from tests.registry.builders import bureau_admin, days, school_user
from workflows.models import Notification

pytestmark = pytest.mark.django_db
E = Engagement.Status


@pytest.fixture
def world():
    admin, bureau = bureau_admin("360100")
    first = EngagedOrganizationFactory()  # one of the three schools engaging it
    org, approval = first.organization, first.approval
    owner = UserFactory()
    services.role_grant(actor=None, user=owner, role=Role.PROVIDER, target=org)
    coach = PersonFactory(name="李教练", organization=org, user=UserFactory())
    engaged = [first, *(EngagedOrganizationFactory(organization=org, approval=approval)
                        for _n in range(2))]
    schools = [(e.account, e.school, e.term, e.engagement) for e in engaged]
    bystander, _school = school_user("360102")
    return {"admin": admin, "bureau": bureau, "org": org, "approval": approval, "owner": owner,
            "coach": coach, "schools": schools, "bystander": bystander}


def _told(user):
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def _status(engagement):
    return Engagement.objects.get(pk=engagement.pk).status


def test_suspension_reaches_everyone_and_lifting_restores_and_tells_them_again(world):
    # given engagements at each live stage of the contract: one still a draft (as created),
    # one signed, one active
    before = {}
    stages = (E.DRAFT, E.SIGNED, E.ACTIVE)
    for (_user, _school, _term, engagement), status in zip(world["schools"], stages,
                                                          strict=True):
        Engagement.objects.filter(pk=engagement.pk).update(status=status)
        before[engagement.pk] = status
    # when the bureau suspends the provider
    services.provider_suspend(actor=world["admin"], bureau=world["bureau"],
                              organization=world["org"], reason="安全事故调查")
    # then every engagement resting on the approval is suspended, audited, and told today
    for user, _school, _term, engagement in world["schools"]:
        assert _status(engagement) == E.SUSPENDED
        assert any("暂停" in s for s in _told(user)), _told(user)
    assert any("暂停" in s for s in _told(world["owner"]))
    assert any("暂停" in s for s in _told(world["coach"].user))  # on the roster
    assert _told(world["bystander"]) == []  # a school without an engagement hears nothing
    assert AuditEvent.objects.filter(action="engagement.suspend").count() == 3
    # nothing suspended can be newly engaged
    user, school, term, _engagement = world["schools"][0]
    with pytest.raises(ValidationError, match="暂停"):
        services.engagement_create(actor=user, school=school, term=term,
                                   organization=world["org"], fee_per_session=Decimal("20"),
                                   sessions=8, starts_on=days(50), ends_on=days(60))
    # when the suspension is lifted
    Notification.objects.all().delete()
    services.provider_reinstate(actor=world["admin"], bureau=world["bureau"],
                                organization=world["org"], reason="调查结束")
    # then each engagement is back where the suspension found it and the same people are told
    for user, _school, _term, engagement in world["schools"]:
        assert _status(engagement) == before[engagement.pk]
        assert Engagement.objects.get(pk=engagement.pk).status_before_suspension == ""
        assert any("解除" in s for s in _told(user)), _told(user)
    assert any("解除" in s for s in _told(world["owner"]))
    assert any("解除" in s for s in _told(world["coach"].user))
    assert AuditEvent.objects.filter(action="engagement.restore").count() == 3


def test_revocation_terminates_engagements_for_good(world):
    services.provider_revoke(actor=world["admin"], bureau=world["bureau"],
                             organization=world["org"], reason="违规讲授新课")
    assert {_status(s[3]) for s in world["schools"]} == {E.TERMINATED}
    assert any("撤销" in s for s in _told(world["schools"][0][0]))


def test_ended_engagements_are_history_and_stay_as_they_were(world):
    ended = world["schools"][1][3]
    Engagement.objects.filter(pk=ended.pk).update(status=E.ENDED)
    services.provider_suspend(actor=world["admin"], bureau=world["bureau"],
                              organization=world["org"], reason="安全事故调查")
    assert _status(ended) == E.ENDED
    assert _status(world["schools"][0][3]) == E.SUSPENDED


def test_fan_out_query_count_does_not_grow_with_engagements(world):
    """The number of queries of a suspension is the same for 3 engagements and for 30."""
    def suspend_and_lift():
        with CaptureQueriesContext(connection) as captured:
            services.provider_suspend(actor=world["admin"], bureau=world["bureau"],
                                      organization=world["org"], reason="调查")
        suspend = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured:
            services.provider_reinstate(actor=world["admin"], bureau=world["bureau"],
                                        organization=world["org"], reason="结束")
        return suspend, len(captured.captured_queries)

    suspend_and_lift()  # warm: content types are cached after the first use
    few = suspend_and_lift()
    for _n in range(27):
        EngagedOrganizationFactory(organization=world["org"], approval=world["approval"],
                                   term_name="秋季")
    many = suspend_and_lift()
    assert Engagement.objects.filter(organization=world["org"]).count() == 30
    assert many == few


def test_engagement_transition_map_refuses_what_it_does_not_allow(world):
    engagement = Engagement.objects.get(pk=world["schools"][0][3].pk)
    assert engagement.status == E.DRAFT  # a new engagement is a draft contract
    engagement.apply_transition(E.SUSPENDED)
    assert engagement.status_before_suspension == E.DRAFT
    for elsewhere in (E.SIGNED, E.ACTIVE, E.ENDED):
        with pytest.raises(ValidationError):
            engagement.apply_transition(elsewhere)  # not where it was
    engagement.apply_transition(E.DRAFT)  # lifted: back to the draft
    with pytest.raises(ValidationError):
        engagement.apply_transition(E.ACTIVE)  # a draft is signed before it is active
    engagement.apply_transition(E.SIGNED)
    engagement.apply_transition(E.ACTIVE)
    engagement.apply_transition(E.SUSPENDED)
    with pytest.raises(ValidationError):
        engagement.apply_transition(E.SIGNED)  # not where it was
    engagement.apply_transition(E.ACTIVE)
    engagement.apply_transition(E.TERMINATED)
    with pytest.raises(ValidationError):
        engagement.apply_transition(E.ACTIVE)
