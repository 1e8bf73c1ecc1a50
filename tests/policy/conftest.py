"""The workflows' world (a bureau with staff, an organization ready to apply) and
builders for the policy rules."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.models import Jurisdiction, ServiceCategory
from tests.factories import FeeReferenceFactory
from tests.workflows.conftest import open_tasks, upload_all, world  # noqa: F401 - fixture


def fee_reference(*, code="360000", category="sport", reference="30", cap="40",
                  since_days=-30, source="青少年宫"):
    return FeeReferenceFactory(
        jurisdiction=Jurisdiction.objects.get(code=code),
        category=ServiceCategory.objects.get(code=category),
        effective_from=timezone.localdate() + datetime.timedelta(days=since_days),
        reference_fee=Decimal(reference), cap=Decimal(cap), source=source)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client
    return login


__all__ = ["fee_reference", "open_tasks", "upload_all"]
