import pytest

from documents import permissions, selectors, services
from documents.models import DocumentType
from registry import services as registry_services
from registry.models import Bureau, Jurisdiction
from registry.roles import Role
from tests.documents.conftest import today, upload
from tests.factories import ApprovalFactory, OrganizationFactory, PersonFactory, UserFactory


def _grant(admin, role, target):
    user = UserFactory()
    registry_services.role_grant(actor=admin, user=user, role=role, target=target)
    return user


@pytest.mark.django_db
def test_bureau_reach_by_county_lineage(admin_user, organization):
    province = _grant(admin_user, Role.BUREAU_CLERK,
                      Bureau.objects.get(jurisdiction__code="360000"))
    county = _grant(admin_user, Role.BUREAU_CLERK, Bureau.objects.get(jurisdiction__code="360102"))
    sibling = _grant(admin_user, Role.BUREAU_CLERK,
                     Bureau.objects.get(jurisdiction__code="360103"))
    expert = _grant(admin_user, Role.BUREAU_EXPERT,
                    Bureau.objects.get(jurisdiction__code="360102"))
    approver = _grant(admin_user, Role.BUREAU_APPROVER,
                      Bureau.objects.get(jurisdiction__code="360102"))

    for user in (province, county):
        assert permissions.may_view_documents(user, organization)
        assert permissions.may_review_documents(user, organization)
        assert not permissions.may_upload_documents(user, organization)
    assert not permissions.may_view_documents(sibling, organization)
    assert not permissions.may_view_documents(expert, organization)
    assert permissions.may_view_documents(approver, organization)
    assert not permissions.may_review_documents(approver, organization)


@pytest.mark.django_db
def test_bureau_reach_by_approval(admin_user, organization):
    jingdezhen = Bureau.objects.get(jurisdiction__code="360200")
    clerk = _grant(admin_user, Role.BUREAU_CLERK, jingdezhen)
    assert not permissions.may_review_documents(clerk, organization)
    ApprovalFactory(organization=organization, jurisdiction=jingdezhen.jurisdiction)
    assert permissions.may_review_documents(clerk, organization)


@pytest.mark.django_db
def test_person_reached_through_a_case_or_an_approval_never_the_employer(
        admin_user, clerk, foreign_clerk):
    # the employer sits in the clerk's jurisdiction: that alone reaches no personal data
    employed = PersonFactory(organization=OrganizationFactory())
    independent = PersonFactory()
    assert not permissions.may_review_documents(clerk, employed)
    assert not permissions.may_view_documents(clerk, employed)
    assert not permissions.may_review_documents(clerk, independent)
    ApprovalFactory(organization=None, person=independent,
                    jurisdiction=Jurisdiction.objects.get(code="360100"))
    assert permissions.may_review_documents(clerk, independent)
    assert not permissions.may_review_documents(foreign_clerk, independent)


@pytest.mark.django_db
def test_own_person_account_acts_for_itself(admin_user):
    person = PersonFactory()
    user = _grant(admin_user, Role.PROVIDER, person)
    assert permissions.may_upload_documents(user, person)
    assert not permissions.may_upload_documents(user, PersonFactory())


@pytest.mark.django_db
def test_review_queue_matches_the_decision(admin_user, provider, organization, clerk,
                                           foreign_clerk, django_assert_max_num_queries):
    far = OrganizationFactory(county=Jurisdiction.objects.get(code="360102"))
    far_provider = _grant(admin_user, Role.PROVIDER, far)
    kind = DocumentType.objects.get(code="safety_plan")
    mine = services.document_upload(actor=provider, subject=organization, document_type=kind,
                                    file=upload(), filename="a.pdf", issued_on=today())
    services.document_upload(actor=far_provider, subject=far, document_type=kind,
                             file=upload(), filename="b.pdf", issued_on=today())
    with django_assert_max_num_queries(3):
        queue = list(selectors.documents_awaiting_review(clerk))
        [str(d.subject) for d in queue]
    assert mine in queue and len(queue) == 2
    assert list(selectors.documents_awaiting_review(foreign_clerk)) == []
    services.document_verify(actor=clerk, document=mine)
    assert mine not in list(selectors.documents_awaiting_review(clerk))
