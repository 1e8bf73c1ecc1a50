"""Co-review by a partner department (会审): after the experts and before the approver, a
selection case whose offerings are in a category that needs another department's opinion
(体育 for swimming, 文化和旅游 for arts, 科协 for science: data, in the admin) waits for
each such department to agree, agree with conditions, or disagree, with reasons."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.selectors.departments import departments_needed
from workflows import recipients
from workflows.models import PartnerOpinion, SelectionProcess
from workflows.services._base import audit, require_text
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify


def _case_categories(case: SelectionProcess) -> list:
    return [o.category for o in case.offerings.select_related("category__parent")]


def partner_departments_needed(case: SelectionProcess) -> list[tuple]:
    """``[(department, [category names])]`` whose opinion ``case`` needs (maybe none)."""
    return departments_needed(case.bureau.jurisdiction, _case_categories(case))


def partner_opinions_needed(case: SelectionProcess) -> bool:
    """Whether the case waits for a partner department before the approver (the flow's
    gate): one of its categories needs a department's opinion not yet given."""
    given = set(case.partner_opinions.exclude(opinion="").values_list("department_id",
                                                                      flat=True))
    return any(d.pk not in given for d, _names in partner_departments_needed(case))


@transaction.atomic
def partner_opinions_request(*, case: SelectionProcess) -> list[PartnerOpinion]:
    """Ask each department the case's categories need for its opinion (once per
    department: asking again changes nothing) and tell the department's users."""
    case = SelectionProcess.objects.select_for_update().get(pk=case.pk)
    existing = set(case.partner_opinions.values_list("department_id", flat=True))
    created = []
    for department, categories in partner_departments_needed(case):
        if department.pk in existing:
            continue
        created.append(PartnerOpinion.objects.create(case=case, department=department,
                                                     categories=categories))
    for opinion in created:
        audit(None, "case.partner_opinion_requested", case,
              data={"department": opinion.department.name, "categories": opinion.categories})
        notify(users=recipients.department_users(opinion.department),
               subject=gettext("Opinion requested: application #%(pk)s (%(categories)s)")
               % {"pk": case.pk, "categories": "、".join(opinion.categories)},
               body=gettext("%(bureau)s asks %(department)s for its opinion on the application "
                            "of %(name)s before deciding. The documents are on the task page.")
               % {"bureau": case.bureau.name, "department": opinion.department.name,
                  "name": case.organization.name},
               case=case, about=opinion.department)
    return list(case.partner_opinions.order_by("pk"))


@transaction.atomic
def partner_opinion_give(*, actor, opinion: PartnerOpinion, choice: str, reason: str,
                         conditions: str = "") -> PartnerOpinion:
    """A user of the department gives its reasoned opinion: agree, agree with conditions
    (the conditions are required), or disagree. Once only."""
    opinion = PartnerOpinion.objects.select_for_update().select_related(
        "case__bureau", "department").get(pk=opinion.pk)
    if not (actor.is_active and actor.has_perm("registry.opine_department",
                                                opinion.department)):
        raise PermissionDenied(_("Only a user of %(department)s may give its opinion.")
                               % {"department": opinion.department.name})
    if opinion.is_given:
        raise CaseStateError(_("The department's opinion on this case was already given."))
    if choice not in PartnerOpinion.Opinion.values:
        raise ValidationError({"opinion": _("Choose agree, agree with conditions or "
                                            "disagree.")})
    reason = require_text(reason, "reason", _("Give the reasons for the opinion."))
    conditions = (conditions or "").strip()
    if choice == PartnerOpinion.Opinion.CONDITIONS:
        conditions = require_text(conditions, "conditions",
                                  _("Say which conditions the agreement comes with."))
    else:
        conditions = ""
    opinion.opinion, opinion.reason, opinion.conditions = choice, reason, conditions
    opinion.given_by, opinion.given_at = actor, timezone.now()
    opinion.save(update_fields=["opinion", "reason", "conditions", "given_by", "given_at"])
    audit(actor, "case.partner_opinion", opinion.case, to_state=choice, reason=reason,
          data={"department": opinion.department.name, "conditions": conditions})
    return opinion
