import pytest
from django.conf import settings

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


@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_the_review_queue_reads_its_page_in_order_not_after_sorting_every_pending_document(
        provider, organization, clerk):
    """The clerk's queue is the oldest current pending documents the clerk may review, a
    page at a time. Without an index in that order PostgreSQL sorted every pending document
    first (131k at 100k organizations: 0.6-2.4 s a page); with it, it reads them in order
    and stops at the page's end."""
    import copy
    import datetime

    from django.db import connection

    from documents.models import Document

    kind = DocumentType.objects.get(code="safety_plan")
    first = services.document_upload(actor=provider, subject=organization, document_type=kind,
                                     file=upload(), filename="a.pdf", issued_on=today())
    others = []
    for n, other in enumerate(OrganizationFactory.create_batch(
            3000, county=organization.county)):
        document = copy.copy(first)
        document.pk, document.organization = None, other
        document.storage_key = f"{first.storage_key}.{n}"  # (the rows only: no file read)
        document.uploaded_at = first.uploaded_at + datetime.timedelta(seconds=n + 1)
        others.append(document)
    Document.objects.bulk_create(others)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE documents_document")
    page = selectors.documents_awaiting_review(clerk)[:20]
    assert list(page)[0] == first and len(list(page)) == 20
    plan = page.explain()
    assert "document_pending_queue_idx" in plan and "Sort Key" not in plan, plan
