"""The pages of blacklist proposals (four eyes) and re-checks (复查): propose, confirm or
refuse, read one's own record hit and ask for a re-check, decide it. Each view parses
input, checks who may ask and calls one service."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry import selectors, services
from registry.forms import (
    BlacklistProposalForm,
    DecisionForm,
    RecheckDecideForm,
    RecheckForm,
    subject_initial,
    subject_named,
)
from registry.models import Bureau, SanctionEvidence
from registry.provider_find import provider_find
from registry.record_hit_notice_pages import PersonToldForm
from registry.requests import bureau_for, error_messages, form_error, valid_data
from registry.roles import Role
from registry.selectors import objects_for_role
from registry.selectors.record_hit_notice import record_hits_to_tell_in_writing
from registry.services.record_hit_notice import WAYS


def _errors(request, error: ValidationError) -> None:
    for message in error_messages(error):
        messages.error(request, message)


# --- proposing (a county or city administrator) ----------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def blacklist_propose(request, bureau_id: int):
    """The proposal form: reasons, years, evidence files and references. Says what will
    happen: nothing until the provincial bureau confirms it."""
    bureau = bureau_for(request.user, bureau_id)
    initial = subject_initial(request.GET)
    form = BlacklistProposalForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = BlacklistProposalForm(request.POST, request.FILES)
        try:
            if form.is_valid():
                proposal = services.blacklist_propose(actor=request.user, bureau=bureau,
                                                      **form.service_kwargs())
                messages.success(request, _(
                    "Blacklisting proposed: %(subject)s. Nobody is barred until an "
                    "administrator of %(province)s confirms it.")
                    % {"subject": proposal.subject,
                       "province": services.deciding_bureau(proposal).name})
                return redirect("registry:blacklist-proposals", bureau_id=bureau.pk)
            status = 400
        except ValidationError as error:
            _errors(request, error)
            status = 400
    subject = subject_named(initial, bureau)
    return render(request, "registry/bureau/blacklist_propose.html", {
        "bureau": bureau, "form": form, "subject": subject, **provider_find(request.GET, bureau),
        "province": services.provincial_bureau(bureau)}, status=status)


# --- deciding (the provincial administrators; a bureau's administrators for record hits) --

@login_required
@require_GET
def blacklist_proposals(request, bureau_id: int):
    """What this bureau's administrator decides (pending proposals, with confirm and refuse
    forms) and what the bureau proposed."""
    bureau = bureau_for(request.user, bureau_id)
    visible = selectors.blacklist_proposals_for(request.user)
    to_decide = visible.filter(status="proposed", deciding_bureau_id=bureau.pk)[:200]
    proposed = visible.filter(bureau=bureau).order_by("-proposed_at", "-pk")[:100]
    return render(request, "registry/bureau/blacklist_proposals.html", {
        "bureau": bureau, "to_decide": to_decide, "proposed": proposed,
        "decision_form": DecisionForm(), "to_tell": _to_tell(bureau)})


def _to_tell(bureau: Bureau) -> list:
    """The record hits whose person the bureau must tell in writing, each telling with its
    date and way in words."""
    hits = record_hits_to_tell_in_writing(bureau)
    for hit in hits:
        hit.told_form = PersonToldForm.for_hit(hit)
        for event in hit.tellings:
            event.told_on = datetime.date.fromisoformat(event.data["told_on"])
            event.way_label = WAYS.get(event.data.get("way"), "")
    return hits


@login_required
@require_POST
def blacklist_decide(request, bureau_id: int, pk: int, decision: str):
    """Confirm or refuse one proposal this bureau decides."""
    bureau = bureau_for(request.user, bureau_id)
    proposal = get_object_or_404(selectors.blacklist_proposals_for(request.user), pk=pk)
    if proposal.deciding_bureau_id != bureau.pk:
        raise PermissionDenied(_("Another bureau decides this proposal."))
    form = DecisionForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "confirm":
            services.blacklist_confirm(actor=request.user, proposal=proposal, reason=reason)
            messages.success(request, _("Blacklisting confirmed: %(subject)s is barred.")
                             % {"subject": proposal.subject})
        else:
            services.blacklist_refuse(actor=request.user, proposal=proposal, reason=reason)
            messages.success(request, _("Blacklist proposal refused: nobody is barred."))
    except ValidationError as error:
        _errors(request, error)
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    return redirect("registry:blacklist-proposals", bureau_id=bureau.pk)


# --- the person: their record hits, and the re-check (复查) --------------------------------

def _recheck_form(pk: int, *args) -> RecheckForm:
    """The re-check form of the record hit ``pk``: one per hit on the page, each with its
    own field ids."""
    return RecheckForm(*args, auto_id=f"id_recheck{pk}_%s")


def _my_sanctions_page(request, *, refused: RecheckForm | None = None,
                       refused_pk: int | None = None, status: int = 200):
    """The person's page; a re-check form that was refused comes back beside its hit with
    what was typed and the refusals beside what they are about."""
    entries = list(selectors.sanctions_of_person(request.user)[:50])
    for entry in entries:
        entry.recheck_form = refused if entry.pk == refused_pk else _recheck_form(entry.pk)
        if entry.pk == refused_pk and (getattr(entry, "recheck", None) or entry.status not in (
                "proposed", "confirmed")):
            # no form is shown for this hit any more: say why above the page
            for message in refused.non_field_errors():
                messages.error(request, message)
    return render(request, "registry/portal/my_sanctions.html", {
        "entries": entries,
        "suspensions": selectors.with_renewals_due(
            selectors.suspensions_of_own_people(request.user)[:50])}, status=status)


@login_required
@require_GET
def my_sanctions(request):
    """The record hits about the signed-in person, with the reasons; a form to ask once
    for a re-check. Nobody else's."""
    return _my_sanctions_page(request)


@login_required
@require_POST
def recheck_request(request, pk: int):
    proposal = get_object_or_404(selectors.sanctions_of_person(request.user), pk=pk)
    form = _recheck_form(proposal.pk, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.recheck_request(actor=request.user, proposal=proposal,
                                     statement=form.cleaned_data["statement"],
                                     evidence_files=request.FILES.getlist("evidence"))
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your request for a re-check has been sent to the "
                                        "bureau."))
            return redirect("registry:my-sanctions")
    if request.FILES:  # a browser cannot be given back the files it sent
        form.add_error(None, _("Files are not kept when the form comes back: please choose "
                               "the files again."))
    return _my_sanctions_page(request, refused=form, refused_pk=proposal.pk, status=400)


# --- the bureau's re-check queue ------------------------------------------------------------

def _rechecking_bureau(user, bureau_id) -> Bureau:
    """A bureau where ``user`` is a clerk or an administrator."""
    try:
        pk = int(bureau_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for role in (Role.BUREAU_ADMIN, Role.BUREAU_CLERK):
        bureau = objects_for_role(user, role, "registry.bureau").filter(pk=pk).first()
        if bureau is not None:
            return bureau
    raise PermissionDenied(_("Only the bureau's clerks and administrators may do this."))


@login_required
@require_GET
def rechecks(request, bureau_id: int):
    bureau = _rechecking_bureau(request.user, bureau_id)
    queue = selectors.rechecks_for(request.user).filter(proposal__bureau=bureau)
    waiting = list(queue.filter(status="open")[:200])
    for recheck in waiting:  # one form each, with its own field ids (labels find theirs)
        recheck.decide_form = RecheckDecideForm(auto_id=f"id_recheck{recheck.pk}_%s")
        recheck.not_yours = selectors.took_part_in_hit(request.user, recheck.proposal)
    return render(request, "registry/bureau/rechecks.html", {
        "bureau": bureau, "open": waiting,
        "decided": queue.exclude(status="open").order_by("-decided_at", "-pk")[:50]})


@login_required
@require_POST
def recheck_decide(request, bureau_id: int, pk: int):
    bureau = _rechecking_bureau(request.user, bureau_id)
    recheck = get_object_or_404(selectors.rechecks_for(request.user), pk=pk,
                                proposal__bureau=bureau)
    form = RecheckDecideForm(request.POST)
    try:
        valid_data(form)
        services.recheck_decide(actor=request.user, recheck=recheck, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    messages.success(request, _("Re-check decided."))
    return redirect("registry:rechecks", bureau_id=bureau.pk)


# --- evidence files: for those who may see what they belong to --------------------------

@login_required
@require_GET
def evidence_download(request, pk: int):
    evidence = get_object_or_404(SanctionEvidence.objects.select_related("proposal", "recheck"),
                                 pk=pk)
    # to those who may not read it, the file does not exist
    if not selectors.may_read_sanction_evidence(request.user, evidence):
        raise Http404
    handle = services.sanction_evidence_open(actor=request.user, evidence=evidence)
    response = FileResponse(handle, as_attachment=True, filename=evidence.filename,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
