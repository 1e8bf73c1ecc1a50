"""The case page of a selection case with 30 documents: how many queries it takes to show
it to the approver (everything) and to an expert on the panel, against a case with few
documents. Bounded means: the count does not grow with the documents."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
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
from workflows.models import ExpertAssignment, SelectionProcess
from workflows.services import checks, selection

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


def _upload(actors, organization: Organization, kinds, pdf: bytes) -> None:
    today = timezone.localdate()
    for kind in kinds:
        document_upload(
            actor=actors.provider, subject=organization, document_type=kind,
            file=SimpleUploadedFile(f"{kind.code}.pdf", pdf), filename=f"{kind.code}.pdf",
            issued_on=today - datetime.timedelta(days=10),
            expires_on=today + datetime.timedelta(days=400) if kind.expires else None)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def _may_apply(organization) -> bool:
    try:
        checks.refuse_if_barred(organization=organization)
    except ValidationError:
        return False
    return True


def probe_case_page(args, *, emit, client_for, pdf: bytes):
    """One organization's case measured twice: with its required documents, then with 30
    current documents; the approver (who sees everything) and a panel expert."""
    from bench.actors import ensure_actors

    actors = ensure_actors()
    _extra_types(30)
    busy = SelectionProcess.objects.values("organization_id")
    # one that may apply: the generated load suspends and blacklists some on purpose
    organization = next((o for o in Organization.objects.exclude(pk__in=busy)
                         .filter(offerings__isnull=False).distinct().order_by("-pk")[:200]
                         if _may_apply(o)), None)
    if organization is None:
        raise SystemExit("case_page: no organization without a case")
    registry_services.role_grant(actor=None, user=actors.provider, role=Role.PROVIDER,
                                 target=organization)
    kinds = document_types_for(organization)
    # (a course plan is one per offering: not among these one-per-provider uploads)
    _upload(actors, organization, [k for k in kinds if k.is_required and not k.per_offering],
            pdf)
    case = selection.selection_apply(actor=actors.provider, organization=organization,
                                    bureau=actors.bureau,
                                    offerings=list(organization.offerings.all()))
    ExpertAssignment.objects.get_or_create(case=case, expert=actors.experts[0],
                                           defaults={"slot": 1})
    url = f"/selection/cases/{case.pk}/"
    current = organization.documents.filter(superseded_at__isnull=True)
    clients = {"approver": client_for(actors.approver), "expert": client_for(actors.experts[0])}
    before = {who: _queries(client, url) for who, client in clients.items()}
    few = current.count()
    extra = [k for k in kinds if k.code.startswith(BENCH_TYPE_PREFIX)]
    _upload(actors, organization, extra[:max(0, 30 - few)], pdf)
    many = current.count()
    for who, client in clients.items():
        after = _queries(client, url)
        emit(f"case_page_queries_{who}", after, "queries",
             "<= 40, not growing with documents", after <= 40 and after <= before[who],
             baseline=before[who], documents=many,
             baseline_name=f"the same page with {few} documents")
