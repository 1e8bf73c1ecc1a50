"""Personal data (ID numbers, record-check results) never in public pages, exports or logs.

Every route the public can reach is asked for both sides' objects; the answers, the list
exports and everything logged meanwhile are scanned for the seeded ID numbers.
"""

import datetime
import logging

import pytest
from django.test import Client
from django.utils import timezone

from registry import services as registry_services
from registry.models import Person, ServiceCategory
from tests.security.matrix import fill, url_patterns
from tests.security.test_permission_matrix import expectation


@pytest.mark.django_db
def test_no_id_number_in_any_public_answer_export_or_log(sides, caplog):
    caplog.set_level(logging.DEBUG)
    # an approved individual on each side's published list (shown there, masked)
    for side in sides.values():
        approval = registry_services.approval_create(
            actor=None, jurisdiction=side.bureau.jurisdiction, person=side.person,
            categories=[ServiceCategory.objects.get(code="sport")])
        registry_services.approval_approve(
            actor=None, approval=approval, valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + datetime.timedelta(days=200))
        side.publication = registry_services.publication_publish(actor=side.users["admin"],
                                                                 bureau=side.bureau)
        listed = Client().get(f"/registry/lists/p/{side.publication.pk}/").content.decode()
        assert side.person.name in listed  # the person is there, by name
    numbers = list(Person.objects.values_list("id_number", flat=True))
    assert numbers
    client = Client(raise_request_exception=False)
    leaks, asked = [], 0
    for route in url_patterns():
        cells = expectation(route)
        if cells is None or "Y" not in cells["anon"] or route.pattern.startswith("admin/"):
            continue
        for side in sides.values():
            path = fill(route, side)
            response = client.get(path)
            asked += 1
            body = b"".join(response.streaming_content) if response.streaming else \
                response.content
            text = body.decode("utf-8", "replace")
            leaks += [f"{path}: {n}" for n in numbers if n in text or n[-6:] + "<" in text]
    for side in sides.values():
        for fmt in ("csv", "json", "xlsx"):
            response = client.get(f"/registry/lists/p/{side.publication.pk}/export.{fmt}")
            body = b"".join(response.streaming_content) if response.streaming else \
                response.content
            leaks += [f"export {fmt}: {n}" for n in numbers if n.encode() in body]
    assert asked > 20
    assert not leaks, leaks
    logged = caplog.text
    assert not [n for n in numbers if n in logged], "an ID number was logged"
