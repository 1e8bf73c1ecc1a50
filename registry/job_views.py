"""Pages of the long operations that run in the worker (``BackgroundJob``): the job's page
with its progress bar, the JSON status the bar polls, an export's download, and the forms
that start an export. A job is seen by the user who started it and by its bureau's staff;
to anyone else it does not exist (404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from registry import selectors, services
from registry.models import BackgroundJob, Bureau, Publication
from registry.requests import error_messages
from registry.views import EXPORT_TYPES


def _visible_job(request, pk: int) -> BackgroundJob:
    return get_object_or_404(selectors.jobs_visible_to(request.user), pk=pk)


def job_payload(job: BackgroundJob) -> dict:
    """What the page's progress bar needs, in the user's language (the web's status and the
    API's job share it)."""
    percent = job.percent
    if job.state == BackgroundJob.State.DONE:
        message = _("Done.")
    elif job.state == BackgroundJob.State.FAILED:
        message = job.error
    elif job.state == BackgroundJob.State.QUEUED and job.sent_at is None and job.send_attempts:
        message = _("The background worker could not be reached yet; the job is sent to it "
                    "again automatically within a few minutes.")
    elif job.state == BackgroundJob.State.QUEUED and job.run_attempts:
        message = _("The worker stopped while running this job; nothing of that run was "
                    "kept, and the job starts again (attempt %(n)d of %(max)d).") % {
            "n": job.run_attempts + 1, "max": settings.REGISTRY_JOB_RUN_ATTEMPTS}
    elif job.state == BackgroundJob.State.QUEUED:
        message = _("Waiting for the worker to start it…")
    elif job.total:
        message = _("%(done)d of %(total)d done (%(percent)d%%).") % {
            "done": job.done, "total": job.total, "percent": percent or 0}
    else:
        message = _("Running…")
    return {
        "id": job.pk, "kind": job.kind, "kind_name": str(job.get_kind_display()),
        "state": job.state, "state_name": str(job.get_state_display()),
        "done": job.done, "total": job.total, "percent": percent, "over": job.is_over,
        "message": message, "result_url": job.result_url, "result_label": job.result_label,
        "error": job.error,
    }


@login_required
@require_GET
def job_list(request):
    """The user's recent jobs and their bureaus' (the last 50)."""
    jobs = list(selectors.jobs_visible_to(request.user)[:50])
    return render(request, "registry/jobs/list.html", {"jobs": jobs})


@login_required
@require_GET
def job_detail(request, pk: int):
    """The job's page: a progress bar that follows the worker (portal.js polls the status),
    then the link to the result or the reason it failed."""
    job = _visible_job(request, pk)
    return render(request, "registry/jobs/detail.html", {"job": job, "status": job_payload(job)})


@never_cache
@login_required
@require_GET
def job_status(request, pk: int):
    """The job's progress as JSON, for the progress bar."""
    return JsonResponse(job_payload(_visible_job(request, pk)))


@login_required
@require_GET
def job_download(request, pk: int):
    """An export job's file, to the same people who may see the job."""
    return job_file_response(_visible_job(request, pk))


def job_file_response(job: BackgroundJob) -> FileResponse:
    """The file a done export job wrote (404 for any other job)."""
    if job.state != BackgroundJob.State.DONE or not job.result_file:
        raise Http404
    fmt = job.result_file.rsplit(".", 1)[-1]
    try:
        stored = storages["default"].open(job.result_file, "rb")
    except FileNotFoundError:  # removed since (clean-up, a restore without it)
        raise Http404 from None
    response = FileResponse(stored,
                            content_type=EXPORT_TYPES.get(fmt, "application/octet-stream"),
                            as_attachment=True, filename=job.result_file.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def list_export_job(request, pk: int):
    """Bureau staff ask the worker for a large list's CSV or XLSX; the job's page follows it
    and links the file when it is written."""
    publication = get_object_or_404(Publication, pk=pk)
    bureau = (Bureau.objects.filter(jurisdiction_id=publication.jurisdiction_id,
                                    pk__in=selectors.staffed_bureau_ids(request.user))
              .order_by("pk").first())
    if bureau is None:
        raise PermissionDenied(_("Only the staff of this bureau may start this operation."))
    try:
        job = services.job_start(actor=request.user, kind=BackgroundJob.Kind.EXPORT,
                                 bureau=bureau,
                                 params={"publication": publication.pk,
                                         "format": request.POST.get("format")})
    except ValidationError as error:
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    return redirect("registry:job-detail", pk=job.pk)
