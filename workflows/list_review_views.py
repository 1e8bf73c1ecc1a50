"""The yearly review of the whole list (留库审查) in the web: start it, follow its progress
(done / open / overdue, with a progress bar), publish the next list version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry.models import Bureau
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
    return render(request, "workflows/list_review.html",
                  {"bureau": bureau, "reviews": reviews, "errors": errors}, status=status)


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
            review = list_review.list_review_start(actor=request.user, bureau=bureau)
            messages.success(request, _("%(n)d annual reviews opened.") % {"n": review.opened})
    except ValidationError as error:
        return _page(request, bureau, status=400, errors=error.messages)
    return redirect("workflows:list-reviews", bureau_id=bureau.pk)


