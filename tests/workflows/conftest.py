"""A bureau with its staff, an organization with its documents, ready to apply; partner
departments (会审) to ask about its swimming course."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.models import Document, DocumentType
from documents.selectors import document_types_for
from documents.services import document_upload
from registry import services as registry_services
from registry.models import Bureau, PartnerDepartment, ServiceCategory
from registry.roles import Role
from tests.factories import OfferingFactory, OrganizationFactory, PersonFactory, UserFactory
from tests.samples import PDF  # a real one-page PDF: uploads are parsed
from workflows import task_actions
from workflows.services import vetting


def pdf(name="doc.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def upload_all(actor, subject, *, expires_in_days=400, skip=()):
    """Upload every applicable document type for ``subject`` (except ``skip``)."""
    today = timezone.localdate()
    documents = []
    for kind in document_types_for(subject):
        if kind.code in skip:
            continue
        # a course plan (课程方案) for each active offering
        for offering in (subject.offerings.filter(is_active=True).order_by("pk")
                         if kind.per_offering else [None]):
            documents.append(document_upload(
                actor=actor, subject=subject, document_type=kind,
                file=pdf(f"{kind.code}.pdf"), filename=f"{kind.code}.pdf",
                issued_on=today - datetime.timedelta(days=10),
                expires_on=(today + datetime.timedelta(days=expires_in_days)) if kind.expires
                else None, offering=offering))
    return documents


def upload_missing(actor, subject, *, expires_in_days=400):
    """Upload what ``subject`` lacks now (e.g. after an offering became a high-risk sport:
    the 高危险性体育项目 licence, and a new offering's course plan); returns what it uploaded."""
    from documents.models import Document

    held = set(Document.objects.filter(superseded_at__isnull=True, **{
        "organization" if hasattr(subject, "uscc") else "person": subject}).values_list(
        "document_type__code", "offering_id"))
    today = timezone.localdate()
    documents = []
    for kind in document_types_for(subject):
        for offering in (subject.offerings.filter(is_active=True).order_by("pk")
                         if kind.per_offering else [None]):
            if (kind.code, getattr(offering, "pk", None)) in held:
                continue
            documents.append(document_upload(
                actor=actor, subject=subject, document_type=kind,
                file=pdf(f"{kind.code}.pdf"), filename=f"{kind.code}.pdf",
                issued_on=today - datetime.timedelta(days=10),
                expires_on=(today + datetime.timedelta(days=expires_in_days)) if kind.expires
                else None, offering=offering))
    return documents


def worker_runs() -> int:
    """What the Celery worker does right after a user's action commits: fire the due timers,
    which runs the background steps (``workflows.nodes.Background``). Returns how many."""
    from viewflow.workflow.timers import fire_due_timers

    return fire_due_timers()


def open_tasks(case, node_name=None):
    """The case's open tasks as its next user finds them: by then the worker has run the
    background steps of the last action (``worker_runs``), as it does within a second."""
    worker_runs()
    queryset = Task.objects.filter(process_id=case.pk,
                                   status__in=[STATUS.NEW, STATUS.ASSIGNED])
    if node_name:
        queryset = [t for t in queryset if t.flow_task.name == node_name]
    return list(queryset)


def vetting_back_for_correction(w, **person_fields):
    """A vetting case the provider of ``w`` started for a new member of its organization
    who has no documents yet: it comes back at once for correction (补正). Returns the case
    and its open correction task."""
    person = PersonFactory(organization=w.organization, **person_fields)
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    [task] = open_tasks(case, "correction")
    return case, task


def clerk_verifies(clerk, case, documents=None, *, result="clear",
                   reference="NC-2026-000123", query_date=None):
    """The clerk's check of a vetting case (材料审核与入职查询): every document verified
    (``documents``, else the person's documents waiting for review) and the record query
    recorded with ``result``. Returns the case, read again."""
    [task] = open_tasks(case, "verification")
    if documents is None:
        documents = Document.objects.filter(person=case.person, review_state="pending")
    data = {f"doc_{d.pk}": "verify" for d in documents}
    data.update(query_reference=reference, query_date=str(query_date or timezone.localdate()),
                query_result=result)
    task_actions.task_perform(actor=clerk, task=task, data=data)
    case.refresh_from_db()
    return case


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.root = UserFactory(username="root", is_superuser=True, is_staff=True)
    w.bureau = Bureau.objects.get(jurisdiction__code="360100")
    w.other_bureau = Bureau.objects.get(jurisdiction__code="360200")

    def staff(role, bureau=None, **kwargs):
        user = UserFactory(**kwargs)
        registry_services.role_grant(actor=w.root, user=user, role=role,
                                     target=bureau or w.bureau)
        return user

    w.staff = staff
    w.clerk = staff(Role.BUREAU_CLERK, email="clerk@example.invalid")
    w.experts = [staff(Role.BUREAU_EXPERT) for _ in range(4)]
    w.approver = staff(Role.BUREAU_APPROVER)
    w.admin = staff(Role.BUREAU_ADMIN)
    w.other_clerk = staff(Role.BUREAU_CLERK, bureau=w.other_bureau)
    w.organization = OrganizationFactory()
    w.provider = UserFactory(email="provider@example.invalid")
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=w.organization)
    w.other_provider = UserFactory()
    registry_services.role_grant(actor=w.root, user=w.other_provider, role=Role.PROVIDER,
                                 target=OrganizationFactory())
    w.offering = OfferingFactory(organization=w.organization, title="少儿围棋启蒙班",
                                 category=ServiceCategory.objects.get(code="sport"),
                                 fee_per_session=Decimal("20"))
    w.documents = upload_all(w.provider, w.organization)
    w.person = PersonFactory(organization=w.organization)
    return w


@pytest.fixture
def document_type():
    return DocumentType.objects.get


class Partners:
    pass


@pytest.fixture
def partners(world):
    """体育局 asked about swimming, 文化和旅游局 about arts (at the case's city), with a user
    each; the world's offering becomes a swimming course."""
    w, p = world, Partners()
    sport = ServiceCategory.objects.get(code="sport")
    p.swimming = ServiceCategory.objects.get(code="swimming", parent=sport)  # a migration's
    p.sports = PartnerDepartment.objects.create(name="南昌市体育局",
                                                jurisdiction=w.bureau.jurisdiction)
    p.sports.categories.set([p.swimming])
    p.culture = PartnerDepartment.objects.create(name="南昌市文化和旅游局",
                                                 jurisdiction=w.bureau.jurisdiction)
    p.culture.categories.set([ServiceCategory.objects.get(code="arts")])

    def member(department, **kwargs):
        user = UserFactory(**kwargs)
        registry_services.role_grant(actor=w.root, user=user, role=Role.DEPARTMENT,
                                     target=department)
        return user

    p.sports_user = member(p.sports, first_name="彭志远")
    p.culture_user = member(p.culture)
    w.offering.category = p.swimming
    w.offering.save(update_fields=["category"])
    w.documents += upload_missing(w.provider, w.organization)  # the high-risk licence
    return p
