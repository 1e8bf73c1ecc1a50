"""The yearly review of the whole list (留库审查) in the web: start it, follow its progress
(done / open / overdue, with a progress bar), publish the next list version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.job_views import job_payload
from registry.models import BackgroundJob, Bureau
from workflows.models import ListReview
from workflows.services import list_review


def _administered(user, bureau_id) -> Bureau:
    bureau = get_object_or_404(Bureau, pk=bureau_id)
    if not user.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied(_("Only an administrator of this bureau may do this."))
    return bureau


def _page(request, bureau, status=200, errors=()):
    reviews = [(r, list_review.list_review_progress(r))
               for r in ListReview.objects.filter(bureau=bureau).select_related(
                   "publication").order_by("-year")[:10]]
    # the start that runs in the worker now, or the last one that failed, with its bar
    job = (registry_selectors.jobs_visible_to(request.user)
           .filter(bureau=bureau, kind=BackgroundJob.Kind.LIST_REVIEW).first())
    if job is not None and job.state == BackgroundJob.State.DONE:
        job = None  # its result is the review below
    return render(request, "workflows/list_review.html",
                  {"bureau": bureau, "reviews": reviews, "errors": errors, "job": job,
                   "status": job_payload(job) if job else None}, status=status)


@login_required
def list_reviews(request, bureau_id: int):
    bureau = _administered(request.user, bureau_id)
    if request.method != "POST":
        return _page(request, bureau)
    try:
        if "publish" in request.POST:
            review = get_object_or_404(ListReview, pk=request.POST.get("publish"), bureau=bureau)
            list_review.list_review_publish(actor=request.user, review=review)
            messages.success(request, _("The next list version is published."))
        else:
            # thousands of cases: opened in the worker, followed by the bar on this page
            registry_services.job_start(actor=request.user, bureau=bureau,
                                        kind=BackgroundJob.Kind.LIST_REVIEW)
            messages.success(request, _("The yearly review is being started in the "
                                        "background; its progress is shown below."))
    except ValidationError as error:
        return _page(request, bureau, status=400, errors=error.messages)
    return redirect("workflows:list-reviews", bureau_id=bureau.pk)


