"""Reads, split by concept; everything is re-exported here."""

from .consent import (
    consent_in_force,
    consents_of,
    invitations_for_person,
    invitations_of_schools,
    person_of_user,
    person_tied_to_school,
)
from .core import (
    _MODELS,
    approvals_valid_now,
    audit_trail,
    granted_objects,
    objects_for_role,
    user_role_summary,
)
from .engagements import (
    engagements_for_jurisdictions,
    engagements_for_schools,
    terms_for_schools,
)
from .policy import (
    FeeInForce,
    FeeReferences,
    academic_signals,
    allowed_categories_for,
    allowed_categories_source,
    category_allowed,
    fee_reference_annotations,
    fee_reference_for,
    fee_references_in_force,
    hardship_places_totals,
    highlight_words,
    signal_matches,
)
from .publications import (
    publication_detail,
    publication_entries,
    publication_entries_data,
    publication_jurisdictions,
    publications_of,
)
from .sanctions import blacklist_for_bureaus, is_blacklisted, review_requests_for_bureaus
from .search import approved_organizations_search, approved_people_search, school_jurisdiction_ids

__all__ = [
    "consent_in_force",
    "consents_of",
    "invitations_for_person",
    "invitations_of_schools",
    "person_of_user",
    "person_tied_to_school",
    "_MODELS",
    "approvals_valid_now",
    "audit_trail",
    "granted_objects",
    "objects_for_role",
    "user_role_summary",
    "engagements_for_jurisdictions",
    "engagements_for_schools",
    "terms_for_schools",
    "FeeInForce",
    "FeeReferences",
    "academic_signals",
    "allowed_categories_for",
    "allowed_categories_source",
    "category_allowed",
    "fee_reference_annotations",
    "fee_reference_for",
    "fee_references_in_force",
    "hardship_places_totals",
    "highlight_words",
    "signal_matches",
    "publication_detail",
    "publication_entries",
    "publication_entries_data",
    "publication_jurisdictions",
    "publications_of",
    "blacklist_for_bureaus",
    "is_blacklisted",
    "review_requests_for_bureaus",
    "approved_organizations_search",
    "approved_people_search",
    "school_jurisdiction_ids",
]
