"""The case page of a selection case with 30 documents: how many queries it takes to show
it to the approver (everything) and to an expert on the panel, against a case with few
documents. Bounded means: the count does not grow with the documents."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import DocumentType
from documents.selectors import document_types_for
from documents.services import document_upload
from registry import services as registry_services
from registry.models import Organization
from registry.roles import Role
from tests.samples import PDF
from workflows import services
from workflows.models import ExpertAssignment, SelectionProcess

BENCH_TYPE_PREFIX = "bench-extra-"


def _extra_types(count: int) -> None:
    """Optional organization document types, marked as the bench's, so that one
    organization can hold ``count`` more current documents."""
    for n in range(count):
        DocumentType.objects.get_or_create(
            code=f"{BENCH_TYPE_PREFIX}{n:02d}",
            defaults={"name": f"补充材料{n + 1}", "name_en": f"Extra material {n + 1}",
                      "subject": DocumentType.Subject.ORGANIZATION, "is_required": False,
                      "sort_order": 900 + n})


def _case_with_documents(actors, organization: Organization, documents: int):
    registry_services.role_grant(actor=None, user=actors.provider, role=Role.PROVIDER,
                                 target=organization)
    today = timezone.localdate()
    kinds = [k for k in document_types_for(organization)
             if not k.code.startswith(BENCH_TYPE_PREFIX)]
    kinds += [k for k in document_types_for(organization)
              if k.code.startswith(BENCH_TYPE_PREFIX)]
    for kind in kinds[:documents]:
        document_upload(
            actor=actors.provider, subject=organization, document_type=kind,
            file=SimpleUploadedFile(f"{kind.code}.pdf", PDF), filename=f"{kind.code}.pdf",
            issued_on=today - datetime.timedelta(days=10),
            expires_on=today + datetime.timedelta(days=400) if kind.expires else None)
    case = services.selection_apply(actor=actors.provider, organization=organization,
                                    bureau=actors.bureau,
                                    offerings=list(organization.offerings.all()))
    ExpertAssignment.objects.get_or_create(case=case, expert=actors.experts[0],
                                           defaults={"slot": 1})
    return case


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def probe_case_page(args, *, emit, client_for):
    from bench.actors import ensure_actors

    actors = ensure_actors()
    _extra_types(30)
    busy = SelectionProcess.objects.values("organization_id")
    organizations = list(Organization.objects.exclude(pk__in=busy)
                         .filter(offerings__isnull=False, documents__isnull=True)
                         .distinct().order_by("-pk")[:2])
    if len(organizations) < 2:
        raise SystemExit("case_page: no two organizations without a case and documents")
    small = _case_with_documents(actors, organizations[0], 3)
    large = _case_with_documents(actors, organizations[1], 30)
    shown = large.organization.documents.filter(superseded_at__isnull=True).count()
    for who, user in (("approver", actors.approver), ("expert", actors.experts[0])):
        client = client_for(user)
        few = _queries(client, f"/selection/cases/{small.pk}/")
        many = _queries(client, f"/selection/cases/{large.pk}/")
        emit(f"case_page_queries_{who}", many, "queries", "<= 40 and not growing with documents",
             many <= 40 and many <= few + 2, baseline=few, documents=shown,
             baseline_name="the same page with 3 documents")
