"""No entry permit for an engagement that never came into force, whatever happens to it.

A permit may exist only while the contract is in force: signed and activated by the school.
A suspension keeps the status it interrupted (``status_before_suspension``); a draft or a
signed engagement that the bureau suspends is still one that never let anyone in, so its
page offers no permit and says why, and the PDF is refused. Driven through HTTP as the
school's user; the setting is built by services."""

import pytest

from registry import services
from registry.models import Engagement
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import bureau_admin

PERMITS_LINK = 'id="permits-pdf"'
PRINT = "打印入校证（PDF）"


def _suspend_provider(contract):
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, reason="检查",
                              organization=contract["org"])


def _suspend_engagement(contract, engagement):
    admin, bureau = bureau_admin("360100")
    services.engagement_suspend(actor=admin, bureau=bureau, engagement=engagement,
                                reason="处分")


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["provider suspended", "engagement suspended"])
def test_a_suspended_draft_offers_and_serves_no_permit(contract, client, how):
    # given a draft engagement with two people on its roster
    engagement = engage(contract)
    assert engagement.status == Engagement.Status.DRAFT
    # when the bureau suspends the organization (or the engagement itself)
    if how == "provider suspended":
        _suspend_provider(contract)
    else:
        _suspend_engagement(contract, engagement)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.SUSPENDED
    client.force_login(contract["user"])
    # then the school's page shows the suspension, offers no permit, and says why
    page = client.get(f"/registry/engagements/{engagement.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "已暂停" in html
    assert PERMITS_LINK not in html and PRINT not in html and "permit-link" not in html
    assert "引进项目暂停时尚未生效" in html
    # and the PDF is refused with the same translated reason
    pdf = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf")
    assert pdf.status_code == 409 and not pdf.content.startswith(b"%PDF")
    assert "引进项目暂停时尚未生效" in pdf.content.decode()
    # nor does the API hand out the tokens
    assert client.get(f"/api/v1/engagements/{engagement.pk}/permits/").json() == []


@pytest.mark.django_db
def test_a_signed_engagement_suspended_before_activation_has_no_permit(contract, client):
    # given an engagement both sides signed, not yet activated by the school
    engagement = engage(contract)
    sign_all(contract, engagement)
    assert engagement.status == Engagement.Status.SIGNED
    # when the provider is suspended
    _suspend_provider(contract)
    client.force_login(contract["user"])
    # then no permit is offered or served
    html = client.get(f"/registry/engagements/{engagement.pk}/").content.decode()
    assert PERMITS_LINK not in html and "引进项目暂停时尚未生效" in html
    assert client.get(f"/registry/engagements/{engagement.pk}/permits.pdf").status_code == 409


@pytest.mark.django_db
def test_a_draft_says_why_it_has_no_permit_yet(contract, client):
    engagement = engage(contract)
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/").content.decode()
    assert PERMITS_LINK not in html and "引进项目仍是草稿" in html
    pdf = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf")
    assert pdf.status_code == 409 and "引进项目仍是草稿" in pdf.content.decode()


@pytest.mark.django_db
def test_an_active_engagement_suspended_keeps_its_permits_to_print(contract, client):
    # the gate answers "suspended" for them: they are printed, and stop nobody being checked
    engagement = engage(contract)
    sign_all(contract, engagement)
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    _suspend_provider(contract)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.SUSPENDED
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/").content.decode()
    assert PERMITS_LINK in html
    pdf = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
