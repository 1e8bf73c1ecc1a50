"""The page a provider meets when its PDF cannot be made on the server (the CJK font is
missing): a 503 page that says why, in Chinese, readable at a desktop's and a phone's size
(axe, width and leaked English checked by ``screenshot``)."""

import pytest

from registry.roles import Role
from registry.services import role_grant
from tests.browser.conftest import login, screenshot
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_pdf_without_its_font_gets_a_page_that_says_why(size, new_page, new_phone_page,
                                                        settings):
    organization = OrganizationFactory(name="南昌市科技馆")
    provider = UserFactory()
    role_grant(actor=None, user=provider, role=Role.PROVIDER, target=organization)
    settings.REGISTRY_PDF_FONT = "/nonexistent/wqy-microhei.ttc"
    page = login((new_page if size == "desktop" else new_phone_page)(), provider)

    response = page.goto(f"/documents/organization/{organization.pk}/forms/application.pdf")

    assert response.status == 503
    assert "中文字体未安装" in page.inner_text("body")
    screenshot(page, f"pdf-unavailable-{size}")
