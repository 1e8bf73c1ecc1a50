"""The bureaus' daily digest (issue 25, how cost grows): a bureau told today is left out
before anything is read for it, the digest's query is bounded by what it lists (one branch
per kind of holder, first in expiry order), and what it lists is unchanged: the first 20
current documents expiring within the window whose holder has an open approval in the
bureau's area, in expiry order, then "… and more"."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import Document
from registry import services as registry_services
from registry.formatting import local_date
from registry.roles import Role
from tests.factories import InForceApprovalFactory, OrganizationFactory, PersonFactory
from tests.workflows.conftest import upload_all
from workflows.models import DigestLog, Notification
from workflows.services import reminders
from workflows.services.notifications import subject_name

START = datetime.date(2026, 1, 5)
DAY = START + datetime.timedelta(days=60)


def _at(day):
    return time_machine.travel(datetime.datetime.combine(
        day, datetime.time(9), tzinfo=timezone.get_current_timezone()), tick=False)


def _approve(w, **holder):
    return InForceApprovalFactory(actor=w.root, valid_from=START,
                                  valid_until=START + datetime.timedelta(days=364), **holder)


def _expiring(subject) -> list[Document]:
    holder = "organization" if hasattr(subject, "uscc") else "person"
    return list(Document.objects.filter(superseded_at__isnull=True, expires_on__isnull=False,
                                        **{holder: subject}).order_by("pk"))


@pytest.fixture
def area(world):
    """Organizations and people with an open approval in the clerk's bureau (南昌市) whose
    documents expire within the digest's window, each on a day of its own, interleaved with
    documents the digest leaves out: of a holder approved in another bureau's area, of a
    holder with no approval, and one of an approved holder expiring after the window.
    Returns what the clerk's digest lists, in order, and the other bureau's holder."""
    w = world
    with _at(START):
        holders = []
        for _ in range(3):
            organization = OrganizationFactory()
            registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                         target=organization)
            upload_all(w.provider, organization, expires_in_days=1000)
            _approve(w, organization=organization)
            person = PersonFactory(organization=organization, kind="professional")
            upload_all(w.provider, person, expires_in_days=1000)
            _approve(w, person=person)
            holders += [organization, person]
        elsewhere = OrganizationFactory()
        registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                     target=elsewhere)
        upload_all(w.provider, elsewhere, expires_in_days=1000)
        _approve(w, organization=elsewhere, jurisdiction=w.other_bureau.jurisdiction)
        unapproved = PersonFactory(organization=w.organization, kind="professional")
        upload_all(w.provider, unapproved, expires_in_days=1000)
    queues = [_expiring(s) for s in (*holders, elsewhere, unapproved)]
    listed, offset = [], 0
    while any(queues):  # round robin: one day each, organizations and people interleaved
        for i, queue in enumerate(queues):
            if queue:
                offset += 1
                document = queue.pop(0)
                expiry = DAY + datetime.timedelta(days=offset)
                Document.objects.filter(pk=document.pk).update(
                    expires_on=expiry, issued_on=expiry - datetime.timedelta(days=300))
                if i < len(holders):
                    listed.append(document.pk)
    late = listed.pop()
    Document.objects.filter(pk=late).update(expires_on=DAY + datetime.timedelta(days=31))
    window_end = DAY + datetime.timedelta(days=settings.RECERT_DIGEST_DAYS)
    in_window = Document.objects.filter(pk__in=listed, expires_on__lte=window_end)
    assert len(in_window) > 20  # else "… and more" is not tested
    return sorted(in_window, key=lambda d: (d.expires_on, d.pk)), elsewhere


def _digest_of(user) -> Notification:
    [digest] = Notification.objects.filter(user=user)
    return digest


def test_the_digest_lists_the_first_twenty_in_expiry_order_of_organizations_and_people(
        world, area):
    listed, _elsewhere = area
    assert {bool(d.person_id) for d in listed[:20]} == {True, False}
    with _at(DAY):
        assert reminders.digests_send(today=DAY) == 2  # the clerk's bureau, and elsewhere's
        lines = _digest_of(world.clerk).body.split("\n")
        expected = [f"{local_date(d.expires_on)} {subject_name(d.subject)} · "
                    f"{d.document_type.display_name}" for d in listed[:20]]
        more = gettext("… and more; see the dashboard.")
    assert lines == [*expected, more]


def test_each_bureau_is_told_of_its_own_area_only(world, area):
    _listed, elsewhere = area
    with _at(DAY):
        reminders.digests_send(today=DAY)
    lines = _digest_of(world.other_clerk).body.split("\n")
    window_end = DAY + datetime.timedelta(days=settings.RECERT_DIGEST_DAYS)
    assert len(lines) == len([d for d in _expiring(elsewhere) if d.expires_on <= window_end])
    assert all(elsewhere.name in line for line in lines)


def test_a_second_run_the_same_day_reads_nothing_for_the_bureaus_already_told(world, area):
    """The load runs the sweep every 10 s: a bureau told today costs no digest query."""
    with _at(DAY):
        assert reminders.digests_send(today=DAY) == 2
        with CaptureQueriesContext(connection) as queries:
            assert reminders.digests_send(today=DAY) == 0
    read = [q["sql"] for q in queries.captured_queries
            if "documents_document" in q["sql"] or "registry_approval" in q["sql"]]
    assert read == []
    assert DigestLog.objects.filter(day=DAY).count() == 2
    assert Notification.objects.filter(user=world.clerk).count() == 1


def test_the_digest_costs_the_same_queries_whatever_the_number_of_documents(world, area):
    listed, _elsewhere = area
    counts = []
    for day, in_window in ((DAY, listed[:1]), (DAY + datetime.timedelta(days=1), listed)):
        Document.objects.filter(pk__in=[d.pk for d in listed]).update(
            expires_on=DAY + datetime.timedelta(days=200))
        Document.objects.filter(pk__in=[d.pk for d in in_window]).update(
            expires_on=DAY + datetime.timedelta(days=10))
        with _at(day), CaptureQueriesContext(connection) as queries:
            assert reminders.digests_send(today=day) == 2
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
