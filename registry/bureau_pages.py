"""The bureau's dashboard: the engagements in its jurisdiction, its review requests
(复核任务) and the form to sanction a provider. Each view parses input, checks permission
and calls one selector or service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registry import selectors, services
from registry.forms import ReviewRequestCloseForm, SanctionForm, subject_initial, subject_named
from registry.models import Approval, Organization, Person, ReviewRequest
from registry.provider_find import provider_find
from registry.requests import BadRequest, bureau_for, error_messages, paginate


@login_required
def bureau_dashboard(request, bureau_id: int):
    """Engagements in the jurisdiction, review requests, and the sanction form."""
    bureau = bureau_for(request.user, bureau_id)
    # the page's own links name the provider by number (?organization= or ?person=)
    initial = subject_initial(request.GET)
    form = SanctionForm(initial=initial, bureau=bureau)
    named = subject_named(initial, bureau)
    status = 200
    if request.method == "POST":
        form = SanctionForm(request.POST, bureau=bureau)
        try:
            if form.is_valid():  # the confirmation and the provider's number, checked
                data = form.cleaned_data
                changed = services.provider_sanction(
                    actor=request.user, bureau=bureau, action=data["action"],
                    reason=data["reason"],
                    organization=(Organization.objects.get(pk=data["organization"])
                                  if data.get("organization") else None),
                    person=(Person.objects.get(pk=data["person"])
                            if data.get("person") else None),
                )
                messages.success(request, _("Sanction applied."))
                for approval in changed:
                    if data["action"] == "reinstate" and \
                            approval.status == Approval.Status.SUSPENDED:
                        messages.warning(request, _(
                            "The suspension in %(jurisdiction)s stays until this is "
                            "answered: %(causes)s.") % {
                                "jurisdiction": approval.jurisdiction.name,
                                "causes": services.held_by_label(
                                    services.approval_held_by(approval))})
                return redirect("registry:bureau", bureau_id=bureau.pk)
            status = 400
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
            status = 400
        named = form.subject  # whom the refused form named, to check before sending again
    context = {
        "bureau": bureau, "form": form, "named": named, **provider_find(request.GET, bureau),
        "engagements": selectors.engagements_for_jurisdictions([bureau.jurisdiction_id])[:200],
        "review_requests": selectors.review_requests_for_bureaus([bureau.pk])[:200],
        "open_review_requests": selectors.review_requests_for_bureaus(
            [bureau.pk], status=ReviewRequest.Status.OPEN).count(),
        "pending_proposals": selectors.blacklist_proposals_for(request.user, status="proposed")
        .filter(deciding_bureau_id=bureau.pk).exclude(proposed_by=request.user).count(),
    }
    return render(request, "registry/bureau/dashboard.html", context, status=status)


@login_required
@require_GET
def review_requests(request, bureau_id: int):
    """The bureau's open review requests (复核任务), each with a form to close it."""
    bureau = bureau_for(request.user, bureau_id)
    return _review_requests_page(request, bureau)


def _review_requests_page(request, bureau, *, closing=None, errors=None, status=200):
    """``closing`` (``{"request", "reason", "errors"}``) puts a refused reason back beside
    the request it was for; ``errors`` are shown above the list."""
    open_requests = selectors.review_requests_for_bureaus(
        [bureau.pk], status=ReviewRequest.Status.OPEN).order_by("created_at", "pk")
    try:
        page = paginate(open_requests, request.GET.get("page"), per_page=50)
    except BadRequest as error:
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    return render(request, "registry/bureau/review_requests.html", {
        "bureau": bureau, "page": page, "closing": closing or {}, "errors": errors or [],
    }, status=status)


@login_required
@require_POST
def review_request_close(request, bureau_id: int, pk: int):
    """Close one of the bureau's review requests with a reason (recorded in the audit
    trail). Another bureau's request is not found here."""
    bureau = bureau_for(request.user, bureau_id)
    review_request = get_object_or_404(
        ReviewRequest.objects.select_related("bureau", "organization", "person"),
        pk=pk, bureau=bureau)
    form = ReviewRequestCloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": form.errors.get("reason", [])})
        closed = services.review_request_close(actor=request.user,
                                               review_request=review_request,
                                               reason=form.cleaned_data["reason"])
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {}
        return _review_requests_page(
            request, bureau, status=400,
            closing={"request": review_request.pk, "reason": request.POST.get("reason", ""),
                     "errors": by_field.get("reason", [])},
            errors=[] if "reason" in by_field else error_messages(error))
    messages.success(request, _("Review request closed: %(subject)s.") % {"subject": closed})
    return redirect("registry:review-requests", bureau_id=bureau.pk)
