"""Selection cases and their data.

The selection (遴选) of organizations and the vetting of individuals are viewflow
processes; their process rows carry the case data (who applies where, who checked,
who decided) so the case page, the audit trail and the flow share one record.
Experts, scores, objections and notifications belong to the case and live here.
"""

from .after import (
    AnnualReviewProcess,
    ListReview,
    OfferingFlag,
    RecertificationProcess,
    ReviewCaseEvidence,
    ReviewCaseProcess,
)
from .calendar import (
    CalendarOverride,
    DigestLog,
    ExpiryReminder,
    Notification,
    SweepWatermark,
)
from .cases import (
    CallForApplications,
    CaseMixin,
    CaseOutcome,
    SelectionProcess,
    VettingProcess,
)
from .panel import (
    ExpertAssignment,
    ExpertScore,
    Objection,
    ObjectionEvidence,
    PartnerOpinion,
    RubricCriterion,
)

__all__ = [
    "CallForApplications",
    "CaseOutcome",
    "CaseMixin",
    "SelectionProcess",
    "VettingProcess",
    "RubricCriterion",
    "ExpertAssignment",
    "ExpertScore",
    "PartnerOpinion",
    "Objection",
    "ObjectionEvidence",
    "Notification",
    "CalendarOverride",
    "ExpiryReminder",
    "DigestLog",
    "SweepWatermark",
    "RecertificationProcess",
    "AnnualReviewProcess",
    "OfferingFlag",
    "ReviewCaseProcess",
    "ReviewCaseEvidence",
    "ListReview",
]
