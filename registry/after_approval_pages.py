"""Web pages of the after-approval work: the bureau's yearly record re-queries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registry import selectors, services
from registry.forms import RequeryRecordForm
from registry.models import Bureau, RecordRequery
from registry.requests import error_messages, valid_data
from registry.roles import Role
from registry.selectors.core import objects_for_role


def _clerks_bureau(user, bureau_id) -> Bureau:
    """A bureau where ``user`` is a clerk or an administrator."""
    try:
        pk = int(bureau_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for role in (Role.BUREAU_CLERK, Role.BUREAU_ADMIN):
        bureau = objects_for_role(user, role, "registry.bureau").filter(pk=pk).first()
        if bureau is not None:
            return bureau
    raise PermissionDenied(_("Only the bureau's clerks and administrators may do this."))


@login_required
@require_GET
def requeries(request, bureau_id: int):
    """The yearly re-queries: open ones first (overdue marked), with progress."""
    bureau = _clerks_bureau(request.user, bureau_id)
    queue = selectors.requeries_for_bureau(bureau)
    today = timezone.localdate()
    S = RecordRequery.Status
    progress = queue.order_by().aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status__in=[S.DONE, S.HIT])),
        overdue=Count("pk", filter=Q(status=S.OVERDUE) | Q(status=S.OPEN, due_on__lt=today)))
    waiting = list(queue.filter(status__in=[S.OPEN, S.OVERDUE])[:200])
    consents = services.requery_consents(waiting)  # who may be queried now
    for requery in waiting:
        requery.consent = consents[requery.pk]
    return render(request, "registry/bureau/requeries.html", {
        "bureau": bureau, "open": waiting,
        "done": queue.filter(status__in=[S.DONE, S.HIT]).order_by("-done_at", "-pk")[:50],
        "progress": progress, "today": today, "form": RequeryRecordForm()})


@login_required
@require_POST
def requery_record(request, bureau_id: int, pk: int):
    bureau = _clerks_bureau(request.user, bureau_id)
    requery = get_object_or_404(selectors.requeries_for_bureau(bureau), pk=pk)
    form = RequeryRecordForm(request.POST)
    try:
        valid_data(form)
        services.requery_record(actor=request.user, requery=requery, **form.cleaned_data)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    # "复查" is the person's re-check of a hit: the yearly query is named as such
    messages.success(request, _("Yearly record query recorded."))
    return redirect("registry:requeries", bureau_id=bureau.pk)
