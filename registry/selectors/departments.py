"""Partner departments (会审): which department a case's categories need, who acts for one."""

from __future__ import annotations

from registry.models import Jurisdiction, PartnerDepartment
from registry.roles import Role
from registry.selectors.core import objects_for_role


def departments_needed(jurisdiction: Jurisdiction, categories) -> list[tuple]:
    """The partner departments whose opinion a case at ``jurisdiction``'s bureau needs for
    ``categories``: for each category (or its parent category), the active department of
    the nearest jurisdiction at or above the bureau's that lists it. Returns
    ``[(department, [category names]), ...]`` in a stable order; empty when none is needed.
    Two queries, whatever the number of categories."""
    categories = list(categories)
    if not categories:
        return []
    lineage = jurisdiction.lineage_ids()  # nearest first
    wanted = {c.pk for c in categories} | {c.parent_id for c in categories if c.parent_id}
    through = PartnerDepartment.categories.through
    rows = (through.objects.filter(servicecategory_id__in=wanted,
                                   partnerdepartment__is_active=True,
                                   partnerdepartment__jurisdiction_id__in=lineage)
            .select_related("partnerdepartment").order_by("partnerdepartment_id"))
    by_category: dict[int, list] = {}
    for row in rows:
        by_category.setdefault(row.servicecategory_id, []).append(row.partnerdepartment)
    chosen: dict[int, tuple] = {}
    for category in sorted(categories, key=lambda c: (c.sort_order, c.code)):
        candidates = by_category.get(category.pk) or by_category.get(category.parent_id) or []
        if not candidates:
            continue
        nearest = min(candidates, key=lambda d: lineage.index(d.jurisdiction_id))
        entry = chosen.setdefault(nearest.pk, (nearest, []))
        if str(category) not in entry[1]:
            entry[1].append(str(category))
    return [chosen[pk] for pk in sorted(chosen)]


def departments_of_user(user) -> list[int]:
    """The ids of the partner departments ``user`` acts for (the department role)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(objects_for_role(user, Role.DEPARTMENT, "registry.partnerdepartment")
                .values_list("pk", flat=True))

