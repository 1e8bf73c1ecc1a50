"""The school's engagement page says until when the approval it rests on is in force: after
a renewal (1+1) the school sees the new end, and whether a later term can rest on it."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import EngagedOrganizationFactory
from tests.registry.builders import days

pytestmark = pytest.mark.django_db


def test_the_engagement_page_shows_until_when_its_approval_is_in_force(client):
    engaged = EngagedOrganizationFactory(valid_until=days(200))
    user, approval, engagement = engaged.account, engaged.approval, engaged.engagement
    client.force_login(user)
    page = client.get(reverse("registry:engagement-detail", args=[engagement.pk]))
    assert page.status_code == 200
    end: datetime.date = approval.valid_until
    assert f"有效期至 {end.year}年{end.month}月{end.day}日" in page.content.decode()
