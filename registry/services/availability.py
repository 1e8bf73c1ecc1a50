"""Keep ``ProviderAvailability`` (what school search ranks on) exact: rewritten from the
approval by every service that changes an approval's status or dates, in its transaction;
rebuilt set-based after a bulk load or to repair."""

from __future__ import annotations

from django.db import connection, transaction

from registry.models import Approval, ProviderAvailability
from registry.models.approvals import GRADE_FIRST, GRADE_LAST
from registry.selectors.sql import column, table


def _rows(approval: Approval) -> list[ProviderAvailability]:
    if approval.status != Approval.Status.APPROVED:
        return []
    category_ids = list(Approval.categories.through.objects.filter(approval_id=approval.pk)
                        .values_list("servicecategory_id", flat=True)) or [None]
    return [ProviderAvailability(
        approval_id=approval.pk, organization_id=approval.organization_id,
        person_id=approval.person_id, jurisdiction_id=approval.jurisdiction_id,
        category_id=category_id, valid_from=approval.valid_from,
        valid_until=approval.valid_until, expert_score=approval.expert_score,
        grade_min=approval.grades[0], grade_max=approval.grades[1])
        for category_id in sorted(category_ids, key=lambda pk: pk or 0)]


@transaction.atomic
def availability_refresh(*, approval: Approval) -> None:
    """Rewrite the availability rows of ``approval`` from it as it now is (none unless it
    is in status "approved"): three queries at most, in the caller's transaction."""
    ProviderAvailability.objects.filter(approval_id=approval.pk).delete()
    rows = _rows(approval)
    if rows:
        ProviderAvailability.objects.bulk_create(rows)


def _rebuild_sql() -> tuple[str, str]:
    links = Approval.categories.through
    a = {field: f"a.{column(Approval, field)}" for field in (
        "id", "organization", "person", "jurisdiction", "valid_from", "valid_until",
        "expert_score", "status", "grade_min", "grade_max")}
    v = {field: column(ProviderAvailability, field) for field in (
        "approval", "organization", "person", "jurisdiction", "category", "valid_from",
        "valid_until", "expert_score", "grade_min", "grade_max")}
    insert = (
        f"INSERT INTO {table(ProviderAvailability)} ({', '.join(v.values())}) "  # noqa: S608
        f"SELECT {a['id']}, {a['organization']}, {a['person']}, {a['jurisdiction']}, "
        f"ac.{column(links, 'servicecategory')}, {a['valid_from']}, {a['valid_until']}, "
        f"{a['expert_score']}, COALESCE({a['grade_min']}, {GRADE_FIRST}), "
        f"COALESCE({a['grade_max']}, {GRADE_LAST}) "
        f"FROM {table(Approval)} a LEFT JOIN {table(links)} ac "
        f"ON ac.{column(links, 'approval')} = {a['id']} WHERE {a['status']} = %s")
    return f"DELETE FROM {table(ProviderAvailability)}", insert  # noqa: S608


@transaction.atomic
def availability_rebuild() -> int:
    """Rewrite every availability row from the approvals (two set-based statements);
    returns how many rows there are now."""
    delete, insert = _rebuild_sql()
    with connection.cursor() as cursor:
        cursor.execute(delete)
        cursor.execute(insert, [Approval.Status.APPROVED.value])
        return cursor.rowcount
