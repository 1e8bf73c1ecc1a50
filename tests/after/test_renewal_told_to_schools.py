"""A renewal (1+1) is told to the schools engaging the provider, with the new end: they
plan their next term on it (a term past the old end was refused before it)."""

import pytest
from django.urls import reverse

from registry import services
from tests.factories import EngagedOrganizationFactory, UserFactory
from tests.registry.builders import days, school_user
from workflows.models import Notification

pytestmark = pytest.mark.django_db


def test_the_schools_engaging_a_provider_are_told_of_its_renewal_and_the_new_end():
    engaged = EngagedOrganizationFactory(valid_until=days(200))
    engaging, approval = engaged.account, engaged.approval
    bystander, _other = school_user("360102")
    renewed = services.approval_renew(actor=UserFactory(), approval=approval,
                                      reason="学期考核良好")
    end = renewed.valid_until
    told = Notification.objects.get(user=engaging)
    assert "南昌弈林围棋培训有限公司" in told.subject
    assert f"{end.year}年{end.month}月{end.day}日" in told.body
    assert told.url == reverse("registry:school-engagements")
    assert not Notification.objects.filter(user=bystander).exists()
