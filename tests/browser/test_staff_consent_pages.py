"""An organization adds a staff member on its page, confirming per person that it holds their
signed separate consent form (个人信息单独同意书): refused without the box, added with it;
the person, once they have an account, reads the organization's attestation on their privacy
page and may give their own consent (axe, width and leaked English checked by ``screenshot``).
"""

import pytest
from playwright.sync_api import expect

from registry.identifiers import make_id_number
from registry.models import Person, PersonalDataConsent
from registry.roles import Role
from registry.services import role_grant
from tests.browser.conftest import login, screenshot
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_staff_are_added_with_the_attestation_and_read_it_on_their_page(
        size, new_page, new_phone_page):
    organization = OrganizationFactory(name="南昌市青少年宫")
    provider = UserFactory()
    role_grant(actor=None, user=provider, role=Role.PROVIDER, target=organization)
    make = new_page if size == "desktop" else new_phone_page
    page = login(make(), provider)
    page.goto(f"/registry/portal/organizations/{organization.pk}/")
    page.locator("summary:has-text('添加人员')").click()
    page.fill("#id_person-name", "钱七")
    page.fill("#id_person-id_number", make_id_number(4501))
    page.select_option("#id_person-kind", "professional")
    page.click("main form button:has-text('添加人员')")
    expect(page.locator("#id_person-personal_data_consent_attested_errors")).to_contain_text(
        "请勾选确认本机构持有此人签署的单独同意书")
    assert not Person.objects.exists()
    screenshot(page, f"staff-consent-1-refused-{size}")
    page.check("#id_person-personal_data_consent_attested")
    page.click("main form button:has-text('添加人员')")
    expect(page.locator("table")).to_contain_text("钱七")
    assert PersonalDataConsent.objects.get().kind == "attested"

    own = UserFactory()
    Person.objects.filter(name="钱七").update(user=own)  # later claims their record
    mine = login(make(), own)
    mine.goto("/registry/me/privacy/")
    section = mine.locator("#data-consent")
    expect(section).to_contain_text("您所在的机构南昌市青少年宫已于")
    expect(section.locator("#id_personal_data_consent")).not_to_be_checked()
    screenshot(mine, f"staff-consent-2-privacy-{size}")
