"""The bureau staff's one inbox (我的待办), one queue (待领取任务) and one archive (已办结)
across the flows: each row names the kind of case, the task and its subject, and links to the
task and the case (``workflows.worklist``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views import generic

from registry.requests import works_at_a_bureau
from workflows import worklist


class WorklistView(LoginRequiredMixin, generic.ListView):
    template_name = "workflows/worklist.html"
    paginate_by = 25
    title = None
    kind = "inbox"  # which list: "inbox", "queue" or "archive"
    select = staticmethod(worklist.bureau_inbox_for)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not works_at_a_bureau(request.user):
            raise PermissionDenied(_("Only a bureau's staff have work lists here: an inbox, a "
                                    "queue and an archive of tasks."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.select(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, kind=self.kind,
                       rows=worklist.worklist_rows(context["object_list"]))
        return context


class InboxView(WorklistView):
    """The tasks the user holds, in every flow."""

    title = _("Inbox")


class QueueView(WorklistView):
    """The tasks the user may take, in every flow."""

    title = _("Queue")
    kind = "queue"
    select = staticmethod(worklist.bureau_queue_for)


class ArchiveView(WorklistView):
    """The tasks the user finished, in every flow, the latest first (已办结)."""

    title = _("Archive")
    kind = "archive"
    select = staticmethod(worklist.bureau_done_for)
