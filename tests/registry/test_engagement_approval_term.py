"""The school's engagement page says until when the approval it rests on is in force: after
a renewal (1+1) the school sees the new end, and whether a later term can rest on it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from registry import services
from tests.registry.builders import approve, days, organization, school_user

pytestmark = pytest.mark.django_db


def test_the_engagement_page_shows_until_when_its_approval_is_in_force(client):
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approval = approve(organization=org, where="360100", categories=("arts",),
                       valid_until=days(200))
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(100), project_count=10)
    engagement = services.engagement_create(actor=user, school=school, term=term,
                                            organization=org, fee_per_session=Decimal("20"),
                                            sessions=8)
    client.force_login(user)
    page = client.get(reverse("registry:engagement-detail", args=[engagement.pk]))
    assert page.status_code == 200
    end: datetime.date = approval.valid_until
    assert f"有效期至 {end.year}年{end.month}月{end.day}日" in page.content.decode()
