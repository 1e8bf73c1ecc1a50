"""The provider reaches the engagements schools record with it, and is told of each one.

A school records the engagement; the contract is signed only once the provider has uploaded
its signed copies of the papers, so the provider must learn of it (a notification linking
to the engagement, saying what to do) and find its engagements again (its menu, its
workspace, its organization's or its own page). Through HTTP as each user."""

from decimal import Decimal

import pytest
from django.test import Client

from registry import services
from registry.models import AuditEvent, Engagement, ServiceCategory
from registry.roles import Role
from tests.contracts.conftest import engage
from tests.factories import UserFactory
from tests.registry.builders import approve, person
from workflows.models import Notification

LIST = "/registry/provider/engagements/"
LINK = f'href="{LIST}"'
LABEL_ZH, LABEL_EN = "与学校的引进项目", "Engagements with schools"


def _client(user, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_provider_menu_workspace_and_organization_page_link_to_its_engagements(contract):
    provider = _client(contract["provider"])
    # the workspace (where signing in lands) shows the menu entry, in Chinese
    home = provider.get("/workspace/").content.decode()
    assert LINK in home and LABEL_ZH in home
    # the organization's page links there too
    org_page = provider.get(f"/registry/portal/organizations/{contract['org'].pk}/")
    assert org_page.status_code == 200
    assert 'id="provider-engagements-link"' in org_page.content.decode()
    # and in English
    english = _client(contract["provider"], "en").get("/workspace/").content.decode()
    assert LINK in english and LABEL_EN in english
    # the list it leads to shows the school's engagement
    engagement = engage(contract)
    listed = provider.get(LIST).content.decode()
    assert f'href="/registry/engagements/{engagement.pk}/"' in listed


@pytest.mark.django_db
def test_a_school_has_no_provider_engagements_entry(contract):
    home = _client(contract["user"]).get("/workspace/").content.decode()
    assert LINK not in home and LABEL_ZH not in home
    # the school's own engagements are in its workspace section
    assert 'href="/registry/school/engagements/"' in home


def _individual(contract):
    """A coach with an account of their own, approved for sport, engaged directly."""
    coach = person("赵个人")
    coach.user = UserFactory()
    coach.save(update_fields=["user"])
    services.role_grant(actor=None, user=coach.user, role=Role.PROVIDER, target=coach)
    approve(person=coach, where="360100", categories=("sport",))
    return coach


@pytest.mark.django_db
def test_an_individual_reaches_their_engagements_and_is_told_of_one(contract):
    coach = _individual(contract)
    client = _client(coach.user)
    assert LINK in client.get("/workspace/").content.decode()
    own = client.get(f"/registry/portal/people/{coach.pk}/").content.decode()
    assert 'id="provider-engagements-link"' in own
    # when a school engages the coach directly
    engagement = engage(contract, organization=None, offering=None, person=coach,
                        category=ServiceCategory.objects.get(code="sport"), grade_min=1,
                        grade_max=6, roster=[coach], fee_per_session=Decimal("30"))
    # then the coach is told, with a link they may open
    [note] = Notification.objects.filter(user=coach.user)
    assert note.url == f"/registry/engagements/{engagement.pk}/"
    assert client.get(note.url).status_code == 200
    assert f'href="/registry/engagements/{engagement.pk}/"' in client.get(LIST).content.decode()


@pytest.mark.django_db
def test_recording_an_engagement_tells_the_provider_what_to_do_next(contract):
    # given the school on its engagements page
    school = _client(contract["user"])
    before = Notification.objects.count()
    # when it records an engagement of the organization's offering
    made = school.post("/registry/school/engagements/", {
        "eng-term": contract["term"].pk, "eng-organization": contract["org"].pk,
        "eng-offering": contract["offering"].pk, "eng-fee_per_session": "45",
        "eng-sessions": "16"})
    assert made.status_code == 302
    engagement = Engagement.objects.get(school=contract["school"])
    # then the provider's user, and only they, is told, with a link to the engagement
    notes = list(Notification.objects.order_by("pk"))[before:]
    assert [n.user for n in notes] == [contract["provider"]]
    [note] = notes
    url = f"/registry/engagements/{engagement.pk}/"
    assert note.url == url
    assert "签订合同" in note.subject
    for step in ("核对名册", "《服务协议》", "《安全责任书》", "上传", contract["school"].name,
                 str(engagement.pk)):
        assert step in note.body
    # the link opens the engagement for the provider, where it uploads its signed copies
    page = _client(contract["provider"]).get(url)
    assert page.status_code == 200 and 'id="paper-upload"' in page.content.decode()
    # and the recording is audited, naming whom it told
    event = AuditEvent.objects.for_object(engagement).get(action="engagement.create")
    assert event.actor == contract["user"]
    assert event.data["told"] == [contract["provider"].pk]
