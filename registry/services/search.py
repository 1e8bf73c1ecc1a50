"""Keep the keyword index current: called explicitly by every service that writes
an organization, an offering or a person (no signals)."""

from __future__ import annotations

from django.db import transaction

from registry.models import Offering, Organization, Person, ProviderSearchDocument
from registry.search_text import document_fields


def _organization_fields(organization: Organization, offerings) -> dict[str, str]:
    active = [o for o in offerings if o.is_active]
    return document_fields(
        names=[organization.name],
        titles=[o.title for o in active],
        descriptions=[o.description for o in active],
    )


@transaction.atomic
def search_index_refresh(*, organization: Organization | None = None,
                         person: Person | None = None) -> ProviderSearchDocument:
    """Recompute the search document of one organization (with its offerings) or person."""
    if (organization is None) == (person is None):
        raise ValueError("refresh exactly one organization or one person")
    if organization is not None:
        offerings = list(Offering.objects.filter(organization=organization))
        fields = _organization_fields(organization, offerings)
        document, _created = ProviderSearchDocument.objects.update_or_create(
            organization=organization, defaults=fields,
        )
    else:
        fields = document_fields(names=[person.name])
        document, _created = ProviderSearchDocument.objects.update_or_create(
            person=person, defaults=fields,
        )
    return document


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
