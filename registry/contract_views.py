"""Web pages of an engagement as a contract (roster, papers, status, entry permits,
lessons, settlement), the school's term plan and gate list, and the public pages: the
permit check at the gate, the signing key, and the parents' page. Each view parses input,
checks permission and calls one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from registry import exports, papers, selectors, services, signing
from registry.forms import (
    LessonDecisionForm,
    LessonForm,
    NeedForm,
    ReasonForm,
    RosterAddForm,
    SlotForm,
)
from registry.models import Engagement, Lesson, RosterMember, School, SchoolTerm
from registry.requests import (
    BadRequest,
    error_messages,
    person_by_reference,
    school_for,
    valid_data,
)
from registry.selectors.permit_standing import printable as printable_permits
from registry.views import school_refused

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sides(user, engagement: Engagement) -> tuple[bool, bool]:
    school = user.has_perm("registry.act_for_school", engagement.school)
    return school, services.may_act_for_provider(user, engagement)


def _engagement(request, pk: int, *, school_only=False, provider_only=False) -> Engagement:
    """The engagement, if the user acts for its school or its provider. To anyone else it
    is one nobody holds (the same 404, the same words: a 403 told whoever tries numbers
    which engagements exist); a side asking for the other side's step is told why (403)."""
    engagement = Engagement.objects.select_related(
        "school__county__parent__parent", "term", "approval__jurisdiction", "organization",
        "offering__category__parent", "person", "category__parent", "need",
        "evaluation").filter(pk=pk).first()
    school, provider = _sides(request.user, engagement) if engagement else (False, False)
    if not (school or provider):
        raise Http404(_("No such engagement."))
    allowed = school if school_only else provider if provider_only else school or provider
    if not allowed:
        raise PermissionDenied(_("You act neither for this engagement's school nor for its "
                                 "provider."))
    return engagement


def _back(engagement: Engagement, anchor: str = "") -> HttpResponse:
    return redirect(reverse("registry:engagement-detail", args=[engagement.pk]) + anchor)


def _refused(request, error: ValidationError) -> None:
    for message in error_messages(error):
        messages.error(request, message)


@login_required
@require_GET
def provider_engagements(request):
    """The engagements of the provider(s) the user acts for."""
    engagements = selectors.engagements_for_provider_user(request.user)[:200]
    return render(request, "registry/contract/provider_engagements.html",
                  {"engagements": engagements})


@login_required
@require_GET
def engagement_detail(request, pk: int):
    """The contract: facts, roster, papers, status, permits, lessons and settlement."""
    return _detail_page(request, _engagement(request, pk))


def _detail_page(request, engagement: Engagement, status: int = 200):
    school_side, provider_side = _sides(request.user, engagement)
    roster = list(selectors.roster_of(engagement))
    for member in roster:  # who may not come in today, whatever the roster says
        member.barred = not member.approval.is_valid_on()
    current = {(p.kind, p.side): p for p in engagement.papers.filter(superseded_at=None)}
    permits = selectors.permits_of(engagement, base_url=request.build_absolute_uri("/")[:-1])
    printed = printable_permits(permits)  # (the PDF prints no permit for a lapsed approval)
    # what the school may do next from here, as the rating page and the report decide
    rating = getattr(engagement, "evaluation", None)  # (a missing one: AttributeError)
    paper_rows = [{"kind": kind, "label": label,
                   "school": current.get((kind, "school")),
                   "provider": current.get((kind, "provider"))}
                  for kind, label in (("agreement", _("Service agreement")),
                                      ("safety", _("Safety responsibility letter (安全责任书)")))]
    context = {
        "engagement": engagement, "school_side": school_side, "provider_side": provider_side,
        "roster": roster, "paper_rows": paper_rows, "permits": permits,
        # the PDF prints no permit for whoever's own approval has lapsed
        "printable": bool(printed),
        "left_out": len(printed) < len(permits),
        "no_permit_reason": selectors.permits_absent_reason(engagement),
        "rating": rating,
        "rateable": (school_side and rating is None
                     and selectors.awaits_rating(engagement, timezone.localdate())),
        "settlement": selectors.settlement_of(engagement),
        "roster_form": RosterAddForm(), "lesson_form": LessonForm(),
        "reason_form": ReasonForm(),
        "menu_items": _menu_items(school_side, provider_side),
        # a suspension the calendar made for an expired credential: the school is told so
        # (the cause only: the other causes' reasons are not the school's to read)
        "credential_lapsed": selectors.held_for_credential(engagement),
    }
    return render(request, "registry/contract/engagement.html", context, status=status)


def _menu_items(school_side: bool, provider_side: bool) -> list[str]:
    """The menu's items an engagement's pages belong to: the school's or the provider's
    list of engagements (the menu marks the one the user has)."""
    sides = ((school_side, "registry:school-engagements"),
             (provider_side, "registry:provider-engagements"))
    return [name for side, name in sides if side]


def _roster_page(request, engagement: Engagement, status: int = 200, form=None):
    school_side, provider_side = _sides(request.user, engagement)
    members = list(selectors.roster_of(engagement, proposals=True))
    return render(request, "registry/contract/roster.html", {
        "engagement": engagement, "school_side": school_side, "provider_side": provider_side,
        "roster": [m for m in members if not m.is_proposed],
        "proposals": [m for m in members if m.is_proposed],
        "candidates": (selectors.roster_candidates(engagement)[:200]
                       if provider_side and not school_side else []),
        "open": engagement.status in ("draft", "signed", "active"),
        "removable": engagement.status in ("draft", "signed", "active", "suspended"),
        "form": form or RosterAddForm(), "reason_form": ReasonForm(),
        "menu_items": _menu_items(school_side, provider_side),
    }, status=status)


@login_required
def engagement_roster(request, pk: int):
    """The roster page of either side: who is on it, the provider's proposals; the school
    adds a person, the provider proposes one of its own people."""
    engagement = _engagement(request, pk)
    if request.method != "POST":
        return _roster_page(request, engagement)
    form = RosterAddForm(request.POST)
    try:
        valid_data(form)
        person = person_by_reference(form.cleaned_data["person"])
        member = services.engagement_roster_add(actor=request.user, engagement=engagement,
                                                person=person)
    except ValidationError as error:
        _refused(request, error)
        return _roster_page(request, engagement, 400, form)
    messages.success(request, (_("%(name)s is proposed: the school accepts or declines.")
                               if member.is_proposed else _("%(name)s is on the roster."))
                     % {"name": person.name})
    return redirect("registry:engagement-roster", pk=engagement.pk)


def _member(engagement: Engagement, member_pk: int) -> RosterMember:
    return get_object_or_404(RosterMember.objects.select_related("person"), pk=member_pk,
                             engagement=engagement)


@login_required
@require_POST
def engagement_roster_accept(request, pk: int, member_pk: int):
    """The school accepts the provider's proposal."""
    engagement = _engagement(request, pk, school_only=True)
    member = _member(engagement, member_pk)
    try:
        services.engagement_roster_accept(actor=request.user, member=member)
    except ValidationError as error:
        _refused(request, error)
        return _roster_page(request, engagement, 400)
    messages.success(request, _("%(name)s is on the roster.") % {"name": member.person.name})
    return redirect("registry:engagement-roster", pk=engagement.pk)


@login_required
@require_POST
def engagement_roster_remove(request, pk: int, member_pk: int):
    """Either side takes a person off the roster (declines or withdraws a proposal)."""
    engagement = _engagement(request, pk)
    member = _member(engagement, member_pk)
    try:
        services.engagement_roster_remove(actor=request.user, member=member,
                                          reason=request.POST.get("reason", "")[:2000])
    except ValidationError as error:
        _refused(request, error)
        return _roster_page(request, engagement, 400)
    messages.success(request, _("%(name)s is off the roster; their entry permit no longer "
                                "lets them in.") % {"name": member.person.name})
    return redirect("registry:engagement-roster", pk=engagement.pk)


@login_required
@require_POST
def engagement_status(request, pk: int, action: str):
    """The school activates (signed → active), ends, or withdraws (a draft, with a
    reason) the engagement."""
    engagement = _engagement(request, pk, school_only=True)
    reason = request.POST.get("reason", "")[:2000]
    try:
        if action == "activate":
            services.engagement_activate(actor=request.user, engagement=engagement)
            messages.success(request, _("The engagement is active: the roster may come in."))
        elif action == "end":
            services.engagement_end(actor=request.user, engagement=engagement, reason=reason)
            messages.success(request, _("The engagement has ended."))
        elif action == "withdraw":
            services.engagement_withdraw(actor=request.user, engagement=engagement,
                                         reason=reason)
            messages.success(request, _("The draft engagement is withdrawn: nobody comes into "
                                        "the school under it. You may engage the provider "
                                        "again."))
        else:
            raise Http404
    except ValidationError as error:
        _refused(request, error)
        return _detail_page(request, engagement, 400)
    return _back(engagement)


@login_required
@require_GET
def engagement_paper_pdf(request, pk: int, kind: str):
    """The agreement or the safety letter, generated from the engagement, to sign."""
    engagement = _engagement(request, pk)
    roster = selectors.roster_of(engagement)
    if kind == "agreement":
        content = papers.agreement_pdf(engagement, roster)
    elif kind == "safety":
        content = papers.safety_letter_pdf(engagement, roster)
    else:
        raise Http404
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="engagement-{pk}-{kind}.pdf"'
    return response


@login_required
@require_GET
def engagement_permits_pdf(request, pk: int):
    """The roster's entry permits, one page each with its QR code (active engagements)."""
    engagement = _engagement(request, pk)
    permits = selectors.permits_of(engagement, base_url=request.build_absolute_uri("/")[:-1])
    if not permits:
        return render(request, "registry/error.html",
                      {"errors": [selectors.permits_absent_reason(engagement)]}, status=409)
    permits = printable_permits(permits)
    if not permits:
        return render(request, "registry/error.html", {"errors": [_(
            "Nobody on the roster holds an individual approval in force: there is no entry "
            "permit to print.")]}, status=409)
    for permit in permits:
        permit["photo_bytes"] = services.permit_photo_bytes(permit["photo"])
    response = HttpResponse(papers.permits_pdf(permits), content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="engagement-{pk}-permits.pdf"'
    return response


@login_required
@require_POST
def lesson_record(request, pk: int):
    """The provider records a lesson given."""
    engagement = _engagement(request, pk, provider_only=True)
    form = LessonForm(request.POST)
    try:
        data = valid_data(form)
        # as the API reads it: whom the lesson may name, the roster (and the provider's own
        # people); another provider's person reads as a number nobody holds
        teacher = selectors.lesson_teachers(engagement, provider=True).filter(
            pk=data["teacher"]).first()
        if teacher is None:
            raise ValidationError({"teacher": _("No one with this number is on the "
                                                "engagement's roster.")})
        services.lesson_record(actor=request.user, engagement=engagement,
                               taught_on=data["taught_on"], period=data["period"],
                               teacher=teacher, pupils_present=data["pupils_present"])
        messages.success(request, _("Lesson recorded; the school will confirm it."))
    except ValidationError as error:
        _refused(request, error)
        return _detail_page(request, engagement, 400)
    return _back(engagement, "#lessons")


@login_required
@require_POST
def lesson_decide(request, pk: int, lesson_pk: int):
    """The school confirms or disputes a lesson."""
    engagement = _engagement(request, pk, school_only=True)
    lesson = get_object_or_404(Lesson, pk=lesson_pk, engagement=engagement)
    form = LessonDecisionForm(request.POST)
    try:
        valid_data(form)
        confirm = form.cleaned_data["decision"] == "confirm"
        services.lesson_decide(actor=request.user, lesson=lesson, confirm=confirm,
                               reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        _refused(request, error)
        return _detail_page(request, engagement, 400)
    # the page that follows (a GET: reloading it sends nothing again) says what was done
    messages.success(request, _("Lesson confirmed.") if confirm
                     else _("The lesson is disputed: it is not paid until settled."))
    return _back(engagement, "#lessons")


@login_required
@require_GET
def engagement_settlement(request, pk: int, fmt: str):
    """The settlement statement of one engagement, as PDF or XLSX."""
    engagement = _engagement(request, pk)
    if fmt == "pdf":
        response = HttpResponse(papers.settlement_pdf(selectors.settlement_of(engagement)),
                                content_type=PDF)
    elif fmt == "xlsx":
        rows = selectors.settlement_rows(Engagement.objects.filter(pk=engagement.pk))
        response = FileResponse(exports.settlement_xlsx(rows), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="settlement-{pk}.{fmt}"'
    return response


def _school_term(request, pk: int) -> SchoolTerm:
    """The term, if the user acts for its school; another school's term is one nobody
    holds to them (the same 404, the same words)."""
    term = SchoolTerm.objects.select_related("school").filter(pk=pk).first()
    if term is None or not request.user.has_perm("registry.act_for_school", term.school):
        raise Http404(_("No such term."))
    return term


@login_required
@require_GET
def term_settlement(request, pk: int):
    """Every engagement of a term, settled, in one XLSX (the school's own term)."""
    term = _school_term(request, pk)
    rows = selectors.settlement_rows(Engagement.objects.filter(term=term))
    response = FileResponse(exports.settlement_xlsx(rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="settlement-term-{pk}.xlsx"'
    return response


# --- the school's term plan and gate ------------------------------------------------

@login_required
def term_plan(request, pk: int):
    """The term plan (一校一案): slots and needs; each need opens the provider search."""
    term = _school_term(request, pk)
    slot_form, need_form, status = SlotForm(prefix="slot"), NeedForm(prefix="need",
                                                                     term=term), 200
    if request.method == "POST":
        try:
            if "slot-weekday" in request.POST:
                slot_form = SlotForm(request.POST, prefix="slot")
                if slot_form.is_valid():
                    services.term_slot_add(actor=request.user, term=term,
                                           **slot_form.cleaned_data)
                    messages.success(request, _("Time slot added."))
                    return redirect("registry:term-plan", pk=term.pk)
            else:
                need_form = NeedForm(request.POST, prefix="need", term=term)
                if need_form.is_valid():
                    services.term_need_add(actor=request.user, term=term,
                                           **need_form.cleaned_data)
                    messages.success(request, _("Need added."))
                    return redirect("registry:term-plan", pk=term.pk)
            status = 400
        except ValidationError as error:
            _refused(request, error)
            status = 400
    plan = selectors.term_plan(term)
    for need in plan["needs"]:
        days = sorted({slot.weekday for slot in need.slots.all()})
        need.search_url = reverse("registry:school-search") + "?" + urlencode({
            "school": term.school_id, "keyword": "", "category": need.category.code,
            "grade": need.grade_min, "max_fee": need.budget_per_session,
            **({"weekday": days[0]} if days else {}), "need": need.pk})
    return render(request, "registry/contract/term_plan.html",
                  {"term": term, "plan": plan, "slot_form": slot_form,
                   "need_form": need_form}, status=status)


@login_required
@require_GET
def gate_list(request):
    """Who may come into the school today, in which periods, with the permit's standing."""
    try:
        school = school_for(request.user, request.GET.get("school"))
    except BadRequest as error:
        return school_refused(request, error)
    return render(request, "registry/contract/gate.html",
                  {"school": school, "rows": selectors.gate_list(school)})


# --- public -------------------------------------------------------------------------------

@never_cache
@require_safe
def permit_verify(request, token: str):
    """The gate's check of an entry permit: valid, suspended, revoked, expired, not yet
    valid, or invalid; masked name, provider, school, term. No sign-in, no ID number."""
    result = selectors.permit_check(token)
    status = 200 if result["status"] != selectors.PermitStatus.INVALID else 404
    return render(request, "registry/contract/verify.html", {"result": result, "token": token},
                  status=status)


@never_cache
@require_safe
def permit_photo(request, token: str):
    """The person's photo for the gate: only while they consent to show it and the permit
    is valid or suspended (else 404, whatever the reason)."""
    photo = selectors.permit_photo_for_token(token)
    if photo is None:
        raise Http404
    response = FileResponse(services.permit_photo_open(photo), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def signing_key(request):
    """The public half of the registry's signing key (PEM): permits and list exports."""
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="registry-signing-key.pem"'
    return response


@require_safe
def parents_page(request, pk: int):
    """A school's after-school activities this term, for parents: who provides them (masked
    teacher names), the approval number, the fee, and how to complain."""
    school = get_object_or_404(School.objects.select_related("county"), pk=pk)
    return render(request, "registry/contract/parents.html", selectors.parents_page(school))

