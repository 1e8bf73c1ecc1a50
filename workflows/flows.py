"""The selection processes as viewflow flows.

Every step calls a service of a module in ``workflows.services`` (which calls the
registry and documents services); nodes never write models themselves. The services
never import this module: they start a flow, or take its lock, through
``workflows.entry``, where each flow registers under its key. Renaming a flow or a
node breaks stored tasks: keep ``flow.Obsolete`` stand-ins if one must go.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows import entry, review_views, views
from workflows.flow_parts import (
    APPROVAL_SUMMARY,
    REVIEW_CASE_STEP_TITLES,
    SELECTION_SUMMARY,
    VETTING_SUMMARY,
    CaseFlowMixin,
    CaseStepsMixin,
    bureau_reader,
    case_bureau,
    clerk_again,
    expert_owner,
    opinion_department,
    panel_step_reader,
    partner_task_reader,
    record_hit_step,
    renewer_object,
    renewer_permission,
    tell_queue,
)
from workflows.models import (
    AnnualReviewProcess,
    RecertificationProcess,
    ReviewCaseProcess,
    SelectionProcess,
    VettingProcess,
)
from workflows.nodes import Background, HumanTask, PanelJoin, PanelSplit, PerTaskPermissionTask
from workflows.services import (
    annual_review,
    corrections,
    objections,
    outcome,
    partner,
    recertification,
    review_cases,
    review_rectification,
    scoring,
    selection,
    vetting,
)
from workflows.services import notice as notice_services
from workflows.services import panel as panel_services


@entry.flow_register("selection")
class OrganizationSelectionFlow(CaseFlowMixin, CaseStepsMixin, flow.Flow):
    """非学科类校外培训机构遴选: apply → completeness → qualification check →
    expert review → decision → public notice → approved."""

    process_class = SelectionProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Organization selection")
    process_description = _("Selection of a non-academic training organization by a bureau.")
    process_summary_template = "{{ process.organization }} → {{ process.bureau }}"

    # --- provider ---------------------------------------------------------------
    start = flow.StartHandle(this.start_case).Next(this.completeness)

    correction = (
        HumanTask(views.CorrectionView.as_view())
        .Annotation(title=_("Correct the application"), summary_template=SELECTION_SUMMARY)
        .Assign(lambda a: selection.selection_corrector(a.process.coerced))
        .Next(this.after_correction)
    )

    # --- automatic --------------------------------------------------------------
    completeness = flow.Function(this.check_completeness).Next(this.completeness_gate)
    completeness_gate = (
        flow.Switch()
        .Case(this.qualification, lambda a: not a.process.coerced.missing)
        .Case(this.corrections_exhausted,
              lambda a: corrections.case_corrections_exhausted(case=a.process.coerced))
        .Default(this.return_for_correction)
    )
    return_for_correction = flow.Function(this.send_back).Next(this.correction)
    corrections_exhausted = flow.Function(this.reject_exhausted).Next(this.rejected_end)
    after_correction = flow.Function(this.noop).Next(this.completeness)

    # --- bureau clerk -------------------------------------------------------------
    qualification = (
        HumanTask(views.QualificationView.as_view())
        .Annotation(title=_("Qualification check"), summary_template=SELECTION_SUMMARY)
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.qualification_done)
    )
    # what follows the clerk's check (the correction or the panel draw) is the worker's,
    # right after the check commits (see nodes.Background)
    qualification_done = (
        Background().Annotation(title=_("Qualification check recorded"))
        .Next(this.qualification_gate)
    )
    qualification_gate = (
        flow.Switch()
        .Case(this.draw_experts, lambda a: not a.process.coerced.missing)
        .Case(this.corrections_exhausted,
              lambda a: corrections.case_corrections_exhausted(case=a.process.coerced))
        .Default(this.return_for_correction)
    )

    # --- experts (parallel; a recused expert's seat passes to a replacement) -----
    draw_experts = flow.Function(this.draw_panel).Next(this.panel)
    # the panel is blind and confidential: its tasks' pages are the bureau's and each
    # expert's own, never the applicant's (nor another expert's)
    panel = (PanelSplit().Annotation(title=_("Expert panel"))
             .ReadableBy(panel_step_reader)
             .Next(this.expert_review, data_source=this.panel_seats))
    expert_review = (
        HumanTask(views.ExpertReviewView.as_view())
        .Annotation(title=_("Expert review"), summary_template=SELECTION_SUMMARY)
        .Permission("registry.expert_bureau", obj=case_bureau)
        .Assign(expert_owner)
        .ReadableBy(bureau_reader)
        .Next(this.panel_done)
    )
    panel_done = PanelJoin().ReadableBy(panel_step_reader).Next(this.summarize)
    summarize = flow.Function(this.summarize_scores).Next(this.partner_gate)

    # --- partner departments (会审; parallel, one task per department asked) ----------
    partner_gate = (
        flow.If(lambda a: partner.partner_opinions_needed(a.process.coerced))
        .Then(this.request_opinions)
        .Else(this.decision)
    )
    request_opinions = flow.Function(this.ask_partners).Next(this.partners)
    partners = (PanelSplit().Annotation(title=_("Partner departments"))
                .ReadableBy(bureau_reader)
                .Next(this.partner_review, data_source=this.partner_seats))
    partner_review = (
        PerTaskPermissionTask(views.PartnerOpinionView.as_view())
        .Annotation(title=_("Partner department's opinion"), summary_template=SELECTION_SUMMARY)
        .Permission("registry.opine_department", obj=opinion_department)
        .ReadableBy(partner_task_reader)
        .Next(this.partners_done)
    )
    partners_done = PanelJoin().ReadableBy(bureau_reader).Next(this.decision)

    # --- bureau approver ------------------------------------------------------------
    decision = (
        HumanTask(views.DecisionView.as_view())
        .Annotation(title=_("Decision"), summary_template=SELECTION_SUMMARY)
        .Permission("registry.approve_bureau", obj=case_bureau)
        .NotFor(outcome.case_decider_check, outcome.case_decider_barred)
        .onCreate(tell_queue)
        .Next(this.decided)
    )
    # what follows the decision (the public notice, or the rejection) is the worker's,
    # right after the decision commits (see nodes.Background)
    decided = Background().Annotation(title=_("Decision recorded")).Next(this.decision_gate)
    decision_gate = (
        flow.If(lambda a: a.process.coerced.decision == "approve")
        .Then(this.start_notice)
        .Else(this.reject_decided)
    )

    # --- public notice (公示) -----------------------------------------------------------
    start_notice = flow.Function(this.open_notice).Next(this.notice)
    notice = flow.Timer(this.notice_deadline).Next(this.notice_gate)
    notice_gate = (
        flow.Switch()
        .Case(this.take_effect, lambda a: notice_services.notice_outcome(
                   case=a.process.coerced) == "approve")
        .Case(this.reject_objected, lambda a: notice_services.notice_outcome(
                   case=a.process.coerced) == "reject")
        .Default(this.resolve_objections)
    )
    resolve_objections = (
        HumanTask(views.ResolveObjectionsView.as_view())
        .Annotation(title=_("Resolve objections"), summary_template=SELECTION_SUMMARY)
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.notice_gate)
    )
    take_effect = flow.Function(this.approve).Next(this.approved_end)

    reject_decided = flow.Function(this.reject_by_decision).Next(this.rejected_end)
    reject_objected = flow.Function(this.reject_by_objection).Next(this.rejected_end)

    approved_end = flow.End()
    rejected_end = flow.End()

    def start_case(self, activation, **kwargs):
        return selection.selection_create(activation=activation, **kwargs)

    def noop(self, activation):
        """A join point so that every correction is checked again from the start."""

    def draw_panel(self, activation):
        panel_services.experts_draw(case=activation.process.coerced)

    def panel_seats(self, activation):
        return [{"assignment": a.pk} for a in activation.process.coerced.assignments.filter(
            status="drawn").order_by("slot")]

    def summarize_scores(self, activation):
        scoring.scores_summarize(case=activation.process.coerced)

    def ask_partners(self, activation):
        partner.partner_opinions_request(case=activation.process.coerced)

    def partner_seats(self, activation):
        return [{"opinion": o.pk} for o in activation.process.coerced.partner_opinions.filter(
            opinion="").order_by("pk")]

    def open_notice(self, activation):
        notice_services.notice_start(case=activation.process.coerced)

    def notice_deadline(self, activation):
        return notice_services.notice_deadline(activation.process.coerced)

    def approve(self, activation):
        outcome.case_take_effect(case=activation.process.coerced)


    def reject_by_objection(self, activation):
        case = activation.process.coerced
        upheld = case.objections.filter(status="upheld").first()
        # what the clerk wrote for the applicant: the finding is the bureau's, and may name
        # the objector (objection_resolve)
        outcome.case_reject(case=case, reason=objections.told_to_applicant(upheld))


@entry.flow_register("vetting")
class IndividualVettingFlow(CaseFlowMixin, CaseStepsMixin, flow.Flow):
    """外聘人员资格审查: completeness → clerk verification with the record query →
    approver's decision → approval for at most 12 months."""

    process_class = VettingProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Individual vetting")
    process_description = _("Qualification check of an external individual.")
    process_summary_template = "{{ process.person.name }} → {{ process.bureau }}"

    start = flow.StartHandle(this.start_case).Next(this.completeness)

    completeness = flow.Function(this.check_completeness).Next(this.completeness_gate)
    completeness_gate = (
        flow.Switch()
        .Case(this.verification, lambda a: not a.process.coerced.missing)
        .Case(this.corrections_exhausted,
              lambda a: corrections.case_corrections_exhausted(case=a.process.coerced))
        .Default(this.return_for_correction)
    )
    return_for_correction = flow.Function(this.send_back).Next(this.correction)
    correction = (
        HumanTask(views.CorrectionView.as_view())
        .Annotation(title=_("Correct the application"), summary_template=VETTING_SUMMARY)
        .Assign(lambda a: vetting.vetting_corrector(a.process.coerced))
        .Next(this.completeness)
    )
    corrections_exhausted = flow.Function(this.reject_exhausted).Next(this.rejected_end)

    verification = (
        HumanTask(views.VerificationView.as_view())
        .Annotation(title=_("Document and record check"), summary_template=VETTING_SUMMARY)
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.verification_gate)
    )
    verification_gate = (
        flow.Switch()
        .Case(this.reject_hit, lambda a: a.process.coerced.query_result == "hit")
        .Case(this.decision, lambda a: not a.process.coerced.missing)
        .Case(this.corrections_exhausted,
              lambda a: corrections.case_corrections_exhausted(case=a.process.coerced))
        .Default(this.return_for_correction)
    )
    decision = (
        HumanTask(views.DecisionView.as_view())
        .Annotation(title=_("Decision"), summary_template=VETTING_SUMMARY)
        .Permission("registry.approve_bureau", obj=case_bureau)
        .NotFor(outcome.case_decider_check, outcome.case_decider_barred)
        .onCreate(tell_queue)
        .Next(this.decision_gate)
    )
    decision_gate = (
        flow.If(lambda a: a.process.coerced.decision == "approve")
        .Then(this.take_effect)
        .Else(this.reject_decided)
    )
    take_effect = flow.Function(this.approve).Next(this.approved_end)
    reject_hit = record_hit_step(this.reject_by_hit, VettingProcess).Next(this.rejected_end)
    reject_decided = flow.Function(this.reject_by_decision).Next(this.rejected_end)

    approved_end = flow.End()
    rejected_end = flow.End()

    def start_case(self, activation, **kwargs):
        return vetting.vetting_create(activation=activation, **kwargs)

    def approve(self, activation):
        vetting.vetting_take_effect(case=activation.process.coerced)

    def reject_by_hit(self, activation):
        outcome.case_reject(case=activation.process.coerced,
                            reason=str(_("The mandatory record query returned a record; "
                                         "the person cannot be approved.")))



@entry.flow_register("recertification")
class RecertificationFlow(CaseFlowMixin, flow.Flow):
    """证件到期重新审核: an expired credential suspends the approval; the provider uploads
    the renewal, a clerk verifies it (and the yearly record query), the approval returns."""

    process_class = RecertificationProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Re-certification")
    process_description = _("Renewal of an approval after a credential expired.")
    process_summary_template = "{{ process.approval }}"

    start = flow.StartHandle(this.start_case).Next(this.renew)

    # --- provider ---------------------------------------------------------------
    renew = (
        HumanTask(views.RenewView.as_view())
        .Annotation(title=_("Upload the renewed documents"), summary_template=APPROVAL_SUMMARY)
        .Permission(renewer_permission, obj=renewer_object)
        .Next(this.recert_verify)
    )

    # --- bureau clerk -------------------------------------------------------------
    recert_verify = (
        HumanTask(views.RecertVerifyView.as_view())
        .Annotation(title=_("Verify the renewal"), summary_template=APPROVAL_SUMMARY)
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.verify_gate)
    )
    verify_gate = (
        flow.Switch()
        .Case(this.revoke, lambda a: a.process.coerced.needs_query
              and a.process.coerced.query_result == "hit")
        .Case(this.renew, lambda a: bool(a.process.coerced.missing))
        .Default(this.restore)
    )
    restore = flow.Function(this.restore_approval).Next(this.end)
    revoke = record_hit_step(this.revoke_approval, RecertificationProcess).Next(this.end)
    end = flow.End()

    def start_case(self, activation, **kwargs):
        return recertification.recertification_create(activation=activation, **kwargs)

    def restore_approval(self, activation):
        recertification.recertification_restore(case=activation.process.coerced)

    def revoke_approval(self, activation):
        recertification.recertification_revoke(case=activation.process.coerced)


@entry.flow_register("annual_review")
class AnnualReviewFlow(CaseFlowMixin, flow.Flow):
    """年度考核: on the anniversary the bureau administrator keeps, suspends or revokes."""

    process_class = AnnualReviewProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Annual review")
    process_description = _("Yearly review of an approval with the year's evaluations.")
    process_summary_template = "{{ process.approval }}"

    start = flow.StartHandle(this.start_case).Next(this.review)

    # --- bureau administrator --------------------------------------------------------
    review = (
        HumanTask(views.AnnualReviewView.as_view())
        .Annotation(title=_("Annual review"), summary_template=APPROVAL_SUMMARY)
        .Permission("registry.administer_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.end)
    )
    end = flow.End()

    def start_case(self, activation, **kwargs):
        return annual_review.annual_review_create(activation=activation, **kwargs)


@entry.flow_register("review_case")
class ReviewCaseFlow(CaseFlowMixin, flow.Flow):
    """审查案件: after approval, due process. The clerk investigates and sends a
    notice of intended action; the provider may answer within N working days; an
    administrator who did not investigate decides; one re-examination (复核) may be asked;
    a rectification not evidenced in time comes back to the clerk. The provider's steps
    are services that resume the waiting handles (``workflows.services.review_cases``); the daily
    beat resumes those whose deadline passed."""

    step_titles = REVIEW_CASE_STEP_TITLES

    process_class = ReviewCaseProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Review case")
    process_description = _("Due process after approval: investigation, notice, answer, "
                            "decision, re-examination.")
    process_summary_template = "{{ process.subject }} · {{ process.get_stage_display }}"

    start = flow.StartHandle(this.start_case).Next(this.investigate)

    # --- bureau clerk -------------------------------------------------------------------
    investigate = (
        HumanTask(review_views.InvestigateView.as_view())
        .Annotation(title=_("Investigate and give notice of the intended action"))
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(clerk_again)
        .Next(this.notice)
    )
    notice = flow.Function(this.send_notice).Next(this.response)

    # --- the provider's answer (a service resumes it; or the beat, when time runs out) ---
    response = flow.Handle(this.close_response).Next(this.decide)

    # --- bureau administrator (not the investigator) ----------------------------------------
    decide = (
        HumanTask(review_views.DecideView.as_view())
        .Annotation(title=_("Decide the review case"))
        .Permission("registry.administer_bureau", obj=case_bureau)
        .NotFor(review_cases.review_case_decider_check,
                review_cases.review_case_decider_barred)
        .onCreate(tell_queue)
        .Next(this.reexamination_window)
    )
    reexamination_window = flow.Handle(this.close_reexamination_window).Next(
        this.reexamination_gate)
    reexamination_gate = (
        flow.If(lambda a: a.process.coerced.reexamination_requested_at is not None)
        .Then(this.reexamine)
        .Else(this.follow_up)
    )
    reexamine = (
        HumanTask(review_views.ReexamineView.as_view())
        .Annotation(title=_("Re-examination (复核)"))
        .Permission("registry.administer_bureau", obj=case_bureau)
        .NotFor(review_cases.review_case_reexaminer_check,
                review_cases.review_case_reexaminer_barred)
        .onCreate(tell_queue)
        .Next(this.follow_up)
    )
    follow_up = (
        flow.If(lambda a: review_rectification.rectification_follows(a.process.coerced))
        .Then(this.start_rectification)
        .Else(this.close)
    )

    # --- rectification (整改) -----------------------------------------------------------
    start_rectification = flow.Function(this.begin_rectification).Next(this.rectification)
    rectification = flow.Handle(this.close_rectification).Next(this.rectification_gate)
    rectification_gate = (
        flow.If(lambda a: a.process.coerced.rectification_submitted_at is not None)
        .Then(this.rectification_check)
        .Else(this.investigate)
    )
    rectification_check = (
        HumanTask(review_views.RectificationCheckView.as_view())
        .Annotation(title=_("Check the rectification"))
        .Permission("registry.clerk_bureau", obj=case_bureau)
        .onCreate(tell_queue)
        .Next(this.rectification_check_gate)
    )
    rectification_check_gate = (
        flow.If(lambda a: review_rectification.rectification_accepted(a.process.coerced))
        .Then(this.close)
        .Else(this.investigate)
    )

    close = flow.Function(this.close_case).Next(this.end)
    end = flow.End()

    def start_case(self, activation, **kwargs):
        return review_cases.review_case_create(activation=activation, **kwargs)

    def send_notice(self, activation):
        review_cases.review_case_notice_send(case=activation.process.coerced)

    def close_response(self, activation):
        review_cases.response_window_close(case=activation.process.coerced)

    def close_reexamination_window(self, activation):
        review_cases.reexamination_window_close(case=activation.process.coerced)

    def begin_rectification(self, activation):
        review_rectification.rectification_start(case=activation.process.coerced)

    def close_rectification(self, activation):
        review_rectification.rectification_close(case=activation.process.coerced)

    def close_case(self, activation):
        review_cases.review_case_close(case=activation.process.coerced)
