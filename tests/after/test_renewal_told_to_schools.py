"""A renewal (1+1) is told to the schools engaging the provider, with the new end: they
plan their next term on it (a term past the old end was refused before it)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from registry import services
from tests.factories import UserFactory
from tests.registry.builders import approve, days, organization, school_user
from workflows.models import Notification

pytestmark = pytest.mark.django_db


def test_the_schools_engaging_a_provider_are_told_of_its_renewal_and_the_new_end():
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approval = approve(organization=org, where="360100", categories=("arts",),
                       valid_until=days(200))
    engaging, school = school_user("360102")
    term = services.school_term_create(actor=engaging, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(100), project_count=10)
    services.engagement_create(actor=engaging, school=school, term=term, organization=org,
                               fee_per_session=Decimal("20"), sessions=8)
    bystander, _other = school_user("360102")
    renewed = services.approval_renew(actor=UserFactory(), approval=approval,
                                      reason="学期考核良好")
    end = renewed.valid_until
    told = Notification.objects.get(user=engaging)
    assert "南昌弈林围棋培训有限公司" in told.subject
    assert f"{end.year}年{end.month}月{end.day}日" in told.body
    assert told.url == reverse("registry:school-engagements")
    assert not Notification.objects.filter(user=bystander).exists()
