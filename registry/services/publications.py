"""Publishing approved lists: an immutable, numbered snapshot with a digest."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.exports import canonical, canonical_chunks, publication_header
from registry.models import Approval, Bureau, Publication, PublicationEntry
from registry.selectors.policy import FeeReferences
from registry.selectors.publications import publication_entries_data
from registry.services.core import audit_record, require_perm

ENTRY_BATCH = 2000


def _approved_offerings(approval: Approval, fees: FeeReferences | None = None) -> list[dict]:
    """Active offerings in the approval's categories (all active ones if it names none),
    each with its free places (免费名额) and the fee reference in force beside its fee."""
    fees = fees or FeeReferences(jurisdiction=approval.jurisdiction)
    codes = {c.code for c in approval.categories.all()}
    rows = []
    for offering in approval.organization.offerings.all():
        if not offering.is_active:
            continue
        category = offering.category
        parent_code = category.parent.code if category.parent_id else None
        if codes and category.code not in codes and parent_code not in codes:
            continue
        rows.append({
            "title": offering.title,
            "category": category.code,
            "category_name": category.name,
            "grades": [offering.grade_min, offering.grade_max],
            "fee_per_session": str(offering.fee_per_session),
            "fee_reference": _fee_reference(fees, category),
            "free_places_per_term": offering.free_places_per_term,
            "weekdays": offering.weekday_list,
        })
    rows.sort(key=lambda r: (r["title"], r["category"]))
    return rows


def _fee_reference(fees: FeeReferences, category) -> dict | None:
    found = fees.for_category(category)
    if found is None:
        return None
    return {"reference_fee": str(found.reference_fee), "cap": str(found.cap),
            "effective_from": found.effective_from.isoformat()}


def _entry_for(approval: Approval, fees: FeeReferences | None = None) -> dict:
    """Public data only: organizations by name and credit code, people by name, kind and
    what their approval covers (categories, grades), never an ID number or a record-check
    result."""
    categories = sorted(
        ({"code": c.code, "name": c.name} for c in approval.categories.all()),
        key=lambda c: c["code"],
    )
    common = {
        "categories": categories,
        "valid_from": approval.valid_from.isoformat(),
        "valid_until": approval.valid_until.isoformat(),
    }
    if approval.organization_id:
        org = approval.organization
        return {
            "key": f"org:{org.uscc}",
            "kind": PublicationEntry.Kind.ORGANIZATION.value,
            "name": org.name,
            "uscc": org.uscc,
            "county": org.county.name,
            "offerings": _approved_offerings(approval, fees),
            **common,
        }
    person = approval.person
    entry = {
        "key": f"person:{person.pk}",
        "kind": PublicationEntry.Kind.PERSON.value,
        "name": person.name,
        "person_kind": person.kind,
        "person_kind_name": str(person.get_kind_display()),
        **common,
    }
    # what the individual may teach: the categories above and the grades (年级段) the bureau
    # named. Written only when named: an approval made before grades were named covers
    # every grade (Approval.grades), which the pages and exports read from its absence, and
    # its entry keeps the digest it had (no false "changed" in the next list's diff)
    if approval.grade_min is not None:
        entry["grades"] = [approval.grade_min, approval.grade_max]
    return entry


def _diff(previous: Publication | None, current: dict[str, tuple[str, str]]) -> dict:
    if previous is None:
        # Everything is new; listing 100k entries again here would only bloat the row.
        return {"added": [], "removed": [], "changed": [], "first": True}
    before = {
        key: (digest, name)
        for key, digest, name in previous.entries.values_list("key", "digest", "name")
        .iterator(chunk_size=ENTRY_BATCH)
    }
    added = [{"key": k, "name": v[1]} for k, v in current.items() if k not in before]
    removed = [{"key": k, "name": v[1]} for k, v in before.items() if k not in current]
    changed = [{"key": k, "name": v[1]} for k, v in current.items()
               if k in before and before[k][0] != v[0]]
    return {"added": added, "removed": removed, "changed": changed}


def _approvals_to_list(jurisdiction, today):
    return (
        Approval.objects.valid_on(today)
        .filter(jurisdiction=jurisdiction)
        .select_related("organization__county", "person")
        .prefetch_related(
            "categories",
            "organization__offerings__category__parent",
        )
        .order_by("organization__name", "person__name", "pk")
    )


def publication_preview(*, actor, bureau: Bureau) -> dict:
    """What publishing now would do, for the administrator to confirm first (writes
    nothing): the list's number, how many entries, and what changed since the last list
    (names added, removed and changed)."""
    require_perm(actor, "registry.administer_bureau", bureau,
                 _("Only an administrator of this bureau may publish its list."))
    jurisdiction = bureau.jurisdiction
    today = timezone.localdate()
    fees = FeeReferences(jurisdiction=jurisdiction, on=today)
    current: dict[str, tuple[str, str]] = {}
    for approval in _approvals_to_list(jurisdiction, today).iterator(chunk_size=ENTRY_BATCH):
        data = _entry_for(approval, fees)
        current.setdefault(data["key"], (
            hashlib.sha256(canonical(data).encode()).hexdigest(), data["name"]))
    previous = (Publication.objects.filter(jurisdiction=jurisdiction)
                .order_by("-published_at", "-pk").first())
    last_number = (Publication.objects.filter(jurisdiction=jurisdiction, year=today.year)
                   .order_by("-number").values_list("number", flat=True).first()) or 0
    return {"year": today.year, "number": last_number + 1, "entries": len(current),
            "previous": previous, "diff": _diff(previous, current)}


@transaction.atomic
def publication_publish(*, actor, bureau: Bureau, progress=None) -> Publication:
    """Publish the next numbered list of ``bureau``'s jurisdiction: every approval of that
    jurisdiction valid today, frozen with its SHA-256 digest and its diff.

    ``progress(done, total)``, when given (a background job's ``JobProgress``), hears how
    many entries are written, after each batch.

    The bureau row is locked so that two administrators publishing at once get
    consecutive numbers, not a clash.
    """
    require_perm(actor, "registry.administer_bureau", bureau,
                 _("Only an administrator of this bureau may publish its list."))
    bureau = (Bureau.objects.select_for_update(of=("self",)).select_related("jurisdiction")
              .get(pk=bureau.pk))
    jurisdiction = bureau.jurisdiction
    now = timezone.now()
    today = timezone.localdate(now)
    approvals = _approvals_to_list(jurisdiction, today)
    if not approvals.exists():
        raise ValidationError(
            _("Nothing is approved in %(jurisdiction)s today: there is no list to publish."),
            code="nothing_approved", params={"jurisdiction": jurisdiction.name},
        )
    previous = (Publication.objects.filter(jurisdiction=jurisdiction)
                .order_by("-published_at", "-pk").first())
    last_number = (Publication.objects.filter(jurisdiction=jurisdiction, year=today.year)
                   .order_by("-number").values_list("number", flat=True).first()) or 0
    publication = Publication.objects.create(
        jurisdiction=jurisdiction, year=today.year, number=last_number + 1,
        published_on=today, published_at=now, published_by=actor, previous=previous,
        entry_count=0, digest="",
    )
    current: dict[str, tuple[str, str]] = {}
    batch: list[PublicationEntry] = []
    position = 0
    fees = FeeReferences(jurisdiction=jurisdiction, on=today)
    total = approvals.count() if progress is not None else 0
    if progress is not None:
        progress(0, total)
    for approval in approvals.iterator(chunk_size=ENTRY_BATCH):
        data = _entry_for(approval, fees)
        if data["key"] in current:  # cannot happen: one open approval per subject
            continue
        position += 1
        digest = hashlib.sha256(canonical(data).encode()).hexdigest()
        current[data["key"]] = (digest, data["name"])
        batch.append(PublicationEntry(
            publication=publication, position=position, kind=data["kind"], key=data["key"],
            name=data["name"][:200], data=data, digest=digest,
        ))
        if len(batch) >= ENTRY_BATCH:
            PublicationEntry.objects.bulk_create(batch)
            batch = []
            if progress is not None:
                progress(position, max(total, position))
    PublicationEntry.objects.bulk_create(batch)
    publication.entry_count = position
    publication.diff = _diff(previous, current)
    # Hash what the JSON export will serve, from the rows just written.
    sha = hashlib.sha256()
    for chunk in canonical_chunks(publication_header(publication),
                                  publication_entries_data(publication)):
        sha.update(chunk.encode())
    publication.digest = sha.hexdigest()
    publication.save(update_fields=["entry_count", "diff", "digest"])
    audit_record(
        actor=actor, action="publication.publish", target=publication, to_state="published",
        data={"digest": publication.digest, "entries": position,
              "added": len(publication.diff["added"]),
              "removed": len(publication.diff["removed"]),
              "changed": len(publication.diff["changed"])},
    )
    return publication
