import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry import services as registry_services
from registry.models import Bureau
from registry.roles import Role
from tests.factories import OrganizationFactory, PersonFactory, UserFactory
from tests.samples import JPEG, PDF, PNG  # noqa: F401 - real files: uploads are parsed


def upload(content: bytes = PDF, name: str = "licence.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture(params=["local", "s3"])
def storage_kind(request):
    """Run the test once on private local storage and once on S3 (moto server, loopback)."""
    if request.param == "s3":
        request.getfixturevalue("s3_document_storage")
    return request.param


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def organization(db):
    return OrganizationFactory()  # registered in 东湖区 (under 南昌市)


@pytest.fixture
def provider(db, admin_user, organization):
    user = UserFactory()
    registry_services.role_grant(actor=admin_user, user=user, role=Role.PROVIDER,
                                 target=organization)
    return user


@pytest.fixture
def person(db, organization):
    return PersonFactory(organization=organization)


@pytest.fixture
def clerk(db, admin_user, nanchang_bureau):
    user = UserFactory()
    registry_services.role_grant(actor=admin_user, user=user, role=Role.BUREAU_CLERK,
                                 target=nanchang_bureau)
    return user


@pytest.fixture
def foreign_clerk(db, admin_user):
    """A clerk of 景德镇市, which does not reach 东湖区."""
    user = UserFactory()
    registry_services.role_grant(actor=admin_user, user=user, role=Role.BUREAU_CLERK,
                                 target=Bureau.objects.get(jurisdiction__code="360200"))
    return user


@pytest.fixture
def stranger(db):
    return UserFactory()
