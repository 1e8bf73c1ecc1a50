"""The bureau staff's one inbox (我的待办) and one queue (待领取任务) across the flows: each
row names the kind of case, the task and its subject, and links to the task and the case
(``workflows.worklist``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views import generic

from workflows import worklist


class WorklistView(LoginRequiredMixin, generic.ListView):
    template_name = "workflows/worklist.html"
    paginate_by = 25
    title = None
    queue = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not worklist.is_bureau_staff(request.user):
            raise PermissionDenied(_("Only a bureau's staff have an inbox and a queue here."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        select = worklist.bureau_queue_for if self.queue else worklist.bureau_inbox_for
        return select(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, queue=self.queue,
                       rows=worklist.worklist_rows(context["object_list"]))
        return context


class InboxView(WorklistView):
    """The tasks the user holds, in every flow."""

    title = _("Inbox")


class QueueView(WorklistView):
    """The tasks the user may take, in every flow."""

    title = _("Queue")
    queue = True
