"""Keep the keyword index current: called explicitly by every service that writes
an organization, an offering, a person or an approval's status (no signals)."""

from __future__ import annotations

from django.db import connection, transaction

from registry.models import Approval, Offering, Organization, Person, ProviderSearchDocument
from registry.models.subjects import one_subject
from registry.search_text import availability_text, county_token, document_fields


def _organization_fields(organization: Organization, offerings) -> dict[str, str]:
    active = [o for o in offerings if o.is_active]
    return document_fields(
        names=[organization.name],
        titles=[o.title for o in active],
        descriptions=[o.description for o in active],
        tokens=[county_token(organization.county_id)],
    )


def _availability(field: str, ids) -> dict[int, str]:
    """``availability`` of each subject in ``ids`` (``field`` is "organization" or
    "person"), from its approvals in status "approved": one query."""
    pairs: dict[int, list] = {pk: [] for pk in ids}
    rows = (Approval.objects.filter(status=Approval.Status.APPROVED, **{f"{field}_id__in": ids})
            .order_by().values_list(f"{field}_id", "jurisdiction_id", "categories__id"))
    for subject_id, jurisdiction_id, category_id in rows:
        pairs[subject_id].append((jurisdiction_id, category_id))
    return {pk: availability_text(found) for pk, found in pairs.items()}


@transaction.atomic
def search_index_refresh(*, organization: Organization | None = None,
                         person: Person | None = None) -> ProviderSearchDocument:
    """Recompute the search document of one organization (with its offerings) or person."""
    one_subject(organization, person, "refresh exactly one organization or one person")
    if organization is not None:
        offerings = list(Offering.objects.filter(organization=organization))
        fields = _organization_fields(organization, offerings)
        fields["availability"] = _availability("organization", [organization.pk])[organization.pk]
        document, _created = ProviderSearchDocument.objects.update_or_create(
            organization=organization, defaults=fields,
        )
    else:
        fields = document_fields(names=[person.name])
        fields["availability"] = _availability("person", [person.pk])[person.pk]
        document, _created = ProviderSearchDocument.objects.update_or_create(
            person=person, defaults=fields,
        )
    return document


@transaction.atomic
def search_availability_refresh(*, approval: Approval) -> None:
    """Recompute ``availability`` of the search document of ``approval``'s subject: called
    by every service that changes an approval's status (two queries), in its transaction."""
    field = "organization" if approval.organization_id else "person"
    subject_id = approval.organization_id or approval.person_id
    text = _availability(field, [subject_id])[subject_id]
    updated = ProviderSearchDocument.objects.filter(
        **{f"{field}_id": subject_id}).update(availability=text)
    if not updated:  # a subject written outside the services has no document yet
        search_index_refresh(**{field: getattr(approval, field)})


def _availability_rebuild_sql(column: str) -> list[str]:
    """Set-based, for one kind of subject (``column`` is "organization_id" or "person_id"):
    clear the documents whose subject holds no approval in status "approved", then write
    the others' tokens (only where they differ, so an up-to-date table is not rewritten).
    PostgreSQL only; migration 0008 holds the same statements."""
    if column not in ("organization_id", "person_id"):  # a column name, never input
        raise ValueError(column)
    tokens = (
        f"SELECT a.{column} AS subject_id, 'j' || a.jurisdiction_id AS token "  # noqa: S608
        f"FROM registry_approval a WHERE a.status = 'approved' AND a.{column} IS NOT NULL "
        f"UNION SELECT a.{column}, 'j' || a.jurisdiction_id || 'c' || ac.servicecategory_id "
        f"FROM registry_approval a JOIN registry_approval_categories ac "
        f"ON ac.approval_id = a.id WHERE a.status = 'approved' AND a.{column} IS NOT NULL"
    )
    return [
        f"UPDATE registry_providersearchdocument d SET availability = '' "  # noqa: S608
        f"WHERE d.{column} IS NOT NULL AND d.availability <> '' AND NOT EXISTS ("
        f"SELECT 1 FROM registry_approval a WHERE a.status = 'approved' "
        f"AND a.{column} = d.{column})",
        f"UPDATE registry_providersearchdocument d SET availability = s.tokens FROM ("  # noqa: S608
        f"SELECT t.subject_id, string_agg(t.token, ' ' ORDER BY t.token COLLATE \"C\") "
        f"AS tokens FROM ({tokens}) t GROUP BY t.subject_id) s "
        f"WHERE d.{column} = s.subject_id AND d.availability IS DISTINCT FROM s.tokens",
    ]


def search_availability_rebuild(*, batch_size: int = 5000) -> int:
    """Recompute ``availability`` of every search document from the approvals (after a bulk
    load, or to repair); returns how many documents changed (PostgreSQL, set-based) or
    were visited (elsewhere, in batches)."""
    if connection.vendor == "postgresql":
        changed = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for column in ("organization_id", "person_id"):
                for sql in _availability_rebuild_sql(column):
                    cursor.execute(sql)
                    changed += cursor.rowcount
        return changed
    visited = 0
    for field in ("organization", "person"):
        documents = (ProviderSearchDocument.objects.filter(**{f"{field}__isnull": False})
                     .order_by("pk").only("pk", f"{field}_id", "availability"))
        batch: list[ProviderSearchDocument] = []
        for document in documents.iterator(chunk_size=batch_size):
            batch.append(document)
            if len(batch) >= batch_size:
                visited += _availability_write(field, batch)
                batch = []
        visited += _availability_write(field, batch)
    return visited


def _availability_write(field: str, batch: list[ProviderSearchDocument]) -> int:
    if not batch:
        return 0
    found = _availability(field, [getattr(d, f"{field}_id") for d in batch])
    for document in batch:
        document.availability = found[getattr(document, f"{field}_id")]
    with transaction.atomic():
        ProviderSearchDocument.objects.bulk_update(batch, ["availability"])
    return len(batch)


def search_index_rebuild(*, batch_size: int = 1000) -> int:
    """Rebuild every search document, in batches; returns how many were written."""
    written = 0
    organizations = Organization.objects.order_by("pk").prefetch_related("offerings")
    batch: list[ProviderSearchDocument] = []

    def flush(field: str):
        nonlocal batch, written
        if not batch:
            return
        with transaction.atomic():
            ids = [getattr(d, f"{field}_id") for d in batch]
            found = _availability(field, ids)
            for document in batch:
                document.availability = found[getattr(document, f"{field}_id")]
            ProviderSearchDocument.objects.filter(**{f"{field}_id__in": ids}).delete()
            ProviderSearchDocument.objects.bulk_create(batch)
        written += len(batch)
        batch = []

    for organization in organizations.iterator(chunk_size=batch_size):
        fields = _organization_fields(organization, organization.offerings.all())
        batch.append(ProviderSearchDocument(organization=organization, **fields))
        if len(batch) >= batch_size:
            flush("organization")
    flush("organization")
    for person in Person.objects.order_by("pk").only("pk", "name").iterator(chunk_size=batch_size):
        batch.append(ProviderSearchDocument(person=person, **document_fields(names=[person.name])))
        if len(batch) >= batch_size:
            flush("person")
    flush("person")
    return written
