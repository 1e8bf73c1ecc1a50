"""The bureau's staff reach the review cases (complaints, incidents, low satisfaction)
from the menu, not only through a notification."""

import pytest

from registry import services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.BUREAU_CLERK, Role.BUREAU_ADMIN])
def test_the_menu_leads_bureau_staff_to_the_review_cases(client, role):
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=role,
                        target=Bureau.objects.get(jurisdiction__code="360100"))
    client.force_login(user)
    home = client.get("/registry/lists/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    link = home.index('href="/reviewcase/"')
    assert "审查案件" in home[link:link + 600]
    assert client.get("/reviewcase/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
