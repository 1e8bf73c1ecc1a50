"""The daily sweep's suspensions and expiries leave school search at once, and take the
search prefilter's tokens with them (registry.search_text.availability_text)."""

import datetime

from django.utils import timezone

from documents.models import Document
from registry import selectors
from registry import services as registry_services
from registry.models import Approval, ProviderSearchDocument
from tests.factories import InForceApprovalFactory
from tests.registry.builders import school_user
from workflows.services import recertification, sweep


def _found(school) -> set[int]:
    return {o.pk for o in selectors.approved_organizations_search(school=school,
                                                                  keyword="围棋")}


def _tokens(organization) -> str:
    return ProviderSearchDocument.objects.get(organization=organization).availability


def _approved(w, organization, *, valid_from, valid_until) -> Approval:
    return InForceApprovalFactory(actor=w.root, organization=organization,
                                  categories=[w.offering.category], valid_from=valid_from,
                                  valid_until=valid_until)


def test_a_suspension_by_the_sweep_leaves_search_at_once(world):
    w = world
    today = timezone.localdate()
    _user, school = school_user("360102")
    approval = _approved(w, w.organization, valid_from=today - datetime.timedelta(days=30),
                         valid_until=today + datetime.timedelta(days=300))
    registry_services.search_index_refresh(organization=w.organization)
    assert _found(school) == {w.organization.pk}
    assert _tokens(w.organization)
    # given the liability insurance expired yesterday
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        issued_on=today - datetime.timedelta(days=300),
        expires_on=today - datetime.timedelta(days=1))
    # when the sweep runs
    assert recertification.approvals_suspend_expired(today=today) == 1
    # then the approval is suspended, its tokens are gone and search no longer shows it
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert _tokens(w.organization) == ""
    assert _found(school) == set()


def test_an_ended_term_is_hidden_before_the_sweep_and_untokened_after(world):
    w = world
    today = timezone.localdate()
    _user, school = school_user("360102")
    approval = _approved(w, w.organization, valid_from=today - datetime.timedelta(days=365),
                         valid_until=today - datetime.timedelta(days=1))
    registry_services.search_index_refresh(organization=w.organization)
    # still "approved" with its token (nothing has swept yet), but past its term: the
    # dates are checked in the query, so search hides it already
    assert approval.status == Approval.Status.APPROVED and _tokens(w.organization)
    assert _found(school) == set()
    assert sweep.approvals_expire_term(today=today) == 1
    approval.refresh_from_db()
    assert approval.status == Approval.Status.EXPIRED
    assert _tokens(w.organization) == ""
    assert _found(school) == set()
