"""The credential sweep reads what can have become due since its last complete run (its
watermark), not every expired document ever kept; and still suspends every approval with
something due: a lapse since, an approval that came into force since, an upload, a
rejection or an offering since, a change of the catalogue (a full pass), and, whatever
was missed, within the week (the weekly full pass).

The sweeps run at night, some days after the data were written (the fixtures' uploads and
decisions are stamped with the real time; what the watermark reads is what was written
after the last complete run)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from documents.models import Document, DocumentType
from documents.services import document_reject, document_upload, document_verify
from registry import services as registry_services
from registry.models import Approval, Offering, ServiceCategory
from tests.factories import InForceApprovalFactory, OfferingFactory, OrganizationFactory
from tests.workflows.conftest import pdf, upload_all
from workflows.models import RecertificationProcess, SweepWatermark
from workflows.services import lapses, sweep


def _at(day, hour=2):
    return time_machine.travel(datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()), tick=False)


def _sweep(day) -> sweep.SweepReport:
    with _at(day):
        return sweep.credential_sweep(today=day)


@pytest.fixture
def base():
    """The first night's sweep: a month after the fixtures were written."""
    return timezone.localdate() + datetime.timedelta(days=30)


def _expire(document, on):
    Document.objects.filter(pk=document.pk).update(
        issued_on=on - datetime.timedelta(days=300), expires_on=on)


def _insurance(organization):
    return Document.objects.get(organization=organization, superseded_at__isnull=True,
                                document_type__code="liability_insurance")


def _approve(organization, base):
    return InForceApprovalFactory(organization=organization,
                                  valid_from=base - datetime.timedelta(days=20),
                                  valid_until=base + datetime.timedelta(days=300))


def _status(approval) -> str:
    approval.refresh_from_db()
    return approval.status


def test_a_document_that_lapsed_since_the_last_run_is_caught_by_the_next(world, base):
    # given an approval whose insurance expires on the first night's day
    approval = _approve(world.organization, base)
    _expire(_insurance(world.organization), base)
    assert _sweep(base).suspended == 0  # in force through its expiry day

    # when the next night's sweep runs (from the watermark the first one left)
    day = base + datetime.timedelta(days=1)
    assert lapses.sweep_pass(day).full is False
    report = _sweep(day)

    # then the approval is suspended, its case open
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED
    assert RecertificationProcess.objects.filter(approval=approval).exists()


def test_a_complete_run_advances_the_watermark_and_the_next_run_reads_from_it(world, base):
    # given nothing due
    _approve(world.organization, base)

    # when the sweep runs two nights
    _sweep(base)
    first = SweepWatermark.objects.get(kind=lapses.WATERMARK_KIND)
    day = base + datetime.timedelta(days=1)
    run = lapses.sweep_pass(day)
    _sweep(day)

    # then the first left a full pass behind, the second read from it
    assert (first.day, first.full_on) == (base, base)
    assert run.full is False
    assert run.since_day == base - lapses.EXPIRY_MARGIN
    assert run.since == first.started_at - lapses.WRITE_MARGIN
    mark = SweepWatermark.objects.get(kind=lapses.WATERMARK_KIND)
    assert (mark.day, mark.full_on) == (day, base)


def test_a_credential_lapsed_long_before_is_caught_once_its_approval_comes_into_force(
        world, base):
    # given an approval in its public notice (pending) whose insurance expired long ago,
    # and a sweep that saw it pending
    approval = registry_services.approval_create(
        actor=None, jurisdiction=world.bureau.jurisdiction, organization=world.organization)
    _expire(_insurance(world.organization), base - datetime.timedelta(days=60))
    _sweep(base)
    assert _status(approval) == Approval.Status.PENDING

    # when the notice ends the next day (nothing asks about credentials there) and the
    # night's sweep runs
    with _at(base + datetime.timedelta(days=1), hour=10):
        registry_services.approval_approve(
            actor=None, approval=approval, valid_from=base,
            valid_until=base + datetime.timedelta(days=300))
    report = _sweep(base + datetime.timedelta(days=2))

    # then it is suspended: the watermark reads what came into force since
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED


def test_an_expired_document_uploaded_since_the_last_run_is_caught(world, base):
    # given an approval in force, nothing due on the first night
    approval = _approve(world.organization, base)
    _sweep(base)

    # when the provider replaces its insurance by one that had already expired
    with _at(base + datetime.timedelta(days=1), hour=10):
        document_upload(actor=world.provider, subject=world.organization,
                        document_type="liability_insurance", file=pdf(), filename="old.pdf",
                        issued_on=base - datetime.timedelta(days=400),
                        expires_on=base - datetime.timedelta(days=40))
    report = _sweep(base + datetime.timedelta(days=2))

    # then the approval is suspended
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED


def test_a_verified_version_rejected_since_leaves_the_older_expired_one_due(world, base):
    # given an insurance verified, then renewed by a version also verified; the older one
    # expired long ago, which is nothing due while the renewal is in force
    old = _insurance(world.organization)
    document_verify(actor=world.clerk, document=old)
    renewal = document_upload(actor=world.provider, subject=world.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="renewal.pdf", issued_on=timezone.localdate(),
                              expires_on=base + datetime.timedelta(days=300))
    document_verify(actor=world.clerk, document=renewal)
    _expire(old, base - datetime.timedelta(days=60))
    approval = _approve(world.organization, base)
    assert _sweep(base).suspended == 0

    # when a clerk finds the renewal false, the day after
    with _at(base + datetime.timedelta(days=1), hour=10):
        document_reject(actor=world.clerk, document=renewal, reason="保单是伪造的")
    report = _sweep(base + datetime.timedelta(days=2))

    # then the approval is suspended for the old one, in force again and expired
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED
    case = RecertificationProcess.objects.get(approval=approval)
    assert [d["document"] for d in case.due_types] == [old.pk]


def test_an_organization_that_starts_offering_a_high_risk_sport_is_caught(world, base):
    # given an organization whose high-risk sports licence expired long ago, when it no
    # longer offered swimming
    swimming = ServiceCategory.objects.get(code="swimming")
    organization = OrganizationFactory()
    registry_services.role_grant(actor=world.root, user=world.provider,
                                 role="provider", target=organization)
    offering = OfferingFactory(organization=organization, category=swimming)
    upload_all(world.provider, organization)
    licence = Document.objects.get(organization=organization, superseded_at__isnull=True,
                                   document_type__code="high_risk_sports_licence")
    _expire(licence, base - datetime.timedelta(days=60))
    Offering.objects.filter(pk=offering.pk).update(is_active=False)
    approval = _approve(organization, base)
    assert _sweep(base).suspended == 0

    # when it offers swimming again, the day after
    with _at(base + datetime.timedelta(days=1), hour=10):
        registry_services.provider_edit(actor=world.provider, target=offering,
                                        changes={"is_active": True})
    report = _sweep(base + datetime.timedelta(days=2))

    # then its approval is suspended for the licence
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED


def test_a_change_of_the_catalogue_asks_a_full_pass(world, base):
    # given an insurance expired long ago, while the catalogue did not ask for it
    approval = _approve(world.organization, base)
    _expire(_insurance(world.organization), base - datetime.timedelta(days=60))
    DocumentType.objects.filter(code="liability_insurance").update(is_active=False)
    assert _sweep(base).suspended == 0

    # when the catalogue asks for it again
    DocumentType.objects.filter(code="liability_insurance").update(is_active=True)
    day = base + datetime.timedelta(days=1)
    run = lapses.sweep_pass(day)
    report = _sweep(day)

    # then the next run reads everything, and suspends the approval
    assert run.full is True
    assert report.suspended == 1
    assert _status(approval) == Approval.Status.SUSPENDED
    assert SweepWatermark.objects.get(kind=lapses.WATERMARK_KIND).full_on == day


def test_a_run_cut_at_the_batch_leaves_the_watermark_where_it_was(world, base, settings):
    # given a complete first night, then two approvals whose insurance lapses the day after
    # it, and a sweep that takes one approval a run
    approvals = [_approve(world.organization, base)]
    other = OrganizationFactory()
    upload_all(world.root, other)
    approvals.append(_approve(other, base))
    _sweep(base)
    for organization in (world.organization, other):
        _expire(_insurance(organization), base + datetime.timedelta(days=1))
    settings.RECERT_SWEEP_BATCH = 1

    # when a run four days later is cut at its batch, and the next one runs the night after
    cut = _sweep(base + datetime.timedelta(days=5))
    mark = SweepWatermark.objects.get(kind=lapses.WATERMARK_KIND)
    last = _sweep(base + datetime.timedelta(days=6))

    # then the cut one left the watermark on the first night, and the next one, reading from
    # there, suspends the other (a watermark of the cut run would have started after the
    # lapse: base + 5 - 2 days)
    assert (cut.suspended, mark.day) == (1, base)
    assert last.suspended == 1
    assert {_status(a) for a in approvals} == {Approval.Status.SUSPENDED}


def test_what_no_write_announces_is_caught_by_the_weekly_full_pass(world, base):
    # given a first night's full pass, then an insurance whose expiry is set back a year by
    # a write the sweep is not told of (none of the registry's services does that: a stand-in
    # for a writer that one day forgets its stamp)
    approval = _approve(world.organization, base)
    _sweep(base)
    _expire(_insurance(world.organization), base - datetime.timedelta(days=365))

    # when the sweep runs each night of the week
    nights = {}
    for days in range(1, 8):
        day = base + datetime.timedelta(days=days)
        nights[days] = (lapses.sweep_pass(day).full, _sweep(day).suspended)

    # then the incremental runs did not read it, the seventh night's full pass did
    assert nights == {1: (False, 0), 2: (False, 0), 3: (False, 0), 4: (False, 0),
                      5: (False, 0), 6: (False, 0), 7: (True, 1)}
    assert _status(approval) == Approval.Status.SUSPENDED
