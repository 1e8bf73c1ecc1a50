"""The flows in the site: inbox, queue, archive and case pages for bureau staff.

viewflow's stock process and task lists show every case of a flow to anyone who
may see the flow; a bureau sees only its own cases here, so those lists and the
dashboard are narrowed to the cases the user may see (``workflows.selectors``).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django.views import generic
from django.views.decorators.http import last_modified
from viewflow.workflow import chart
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import dashboard as vf_dashboard
from viewflow.workflow.flow.views.chart import FlowChartView, process_start_time
from viewflow.workflow.flow.views.list import (
    FlowArchiveListView,
    FlowInboxListView,
    FlowQueueListView,
)
from viewflow.workflow.status import STATUS

from workflows import selectors, task_queue
from workflows.flows import (
    AnnualReviewFlow,
    IndividualVettingFlow,
    OrganizationSelectionFlow,
    RecertificationFlow,
    ReviewCaseFlow,
)

# What each flow's summaries of a case read (the flows' ``process_summary_template``,
# flow_parts' ``*_SUMMARY`` of their tasks, an approval's ``__str__``): read with the rows.
SUMMARY_RELATED = {
    OrganizationSelectionFlow: ("organization", "bureau"),
    IndividualVettingFlow: ("person", "bureau"),
    RecertificationFlow: ("approval__organization", "approval__person",
                          "approval__jurisdiction", "bureau"),
    AnnualReviewFlow: ("approval__organization", "approval__person",
                       "approval__jurisdiction", "bureau"),
    ReviewCaseFlow: ("organization", "person", "bureau"),
}


def _cases_summarised(cases, flow_class):
    """``cases`` (of ``flow_class``) with what their summaries read."""
    return cases.select_related(*SUMMARY_RELATED.get(flow_class, ()))


def _tasks_summarised(tasks, flow_class):
    """``tasks`` (of ``flow_class``) with their holders and their cases, as their own model
    (what ``coerced`` would ask a row at a time), and what the cases' summaries read."""
    case = f"process__{flow_class.process_class._meta.model_name}"
    return tasks.select_related("owner", "process", case, *(
        f"{case}__{related}" for related in SUMMARY_RELATED.get(flow_class, ())))


def _rows_asked_together(user, flow_class, rows) -> list:
    """The page's ``rows`` (tasks or cases), read, with whether ``user`` may open each one's
    case asked at once (each row's links ask it)."""
    rows = list(rows)
    selectors.cases_viewed_together(user, flow_class.process_class, {
        getattr(row, "process_id", row.pk) for row in rows})
    return rows


class _PageAskedTogether:
    """A list page whose rows' cases are asked at once (``_rows_asked_together``)."""

    def get_page_data(self, page):
        """``page``: a paginator's page, or the rows themselves (a list not paginated)."""
        rows = _rows_asked_together(self.request.user, self.flow_class,
                                    getattr(page, "object_list", page))
        if hasattr(page, "object_list"):
            page.object_list = rows
        return super().get_page_data(page if hasattr(page, "object_list") else rows)


def _visible_process_ids(flow_class, user):
    return selectors.SELECTORS[flow_class.process_class](user).values("pk")


def _listed_tasks(flow_class, user, tasks):
    """``tasks`` of the cases ``user`` may see, less those of the confidential nodes (with
    ``ReadableBy``: the expert panel, the partner departments) that ``user`` may not open."""
    confidential = [node for node in flow_class.instance.nodes()
                    if getattr(node, "readable_by", None) is not None]
    return selectors.tasks_listed_for(
        user, tasks.filter(process_id__in=_visible_process_ids(flow_class, user)),
        flow_class.process_class, confidential)


def _case_link(task, text):
    """A task row's words about its case, linking to the case's page: every task row does
    (issue 19 point 1)."""
    return format_html('<a href="{}">{}</a>', selectors.case_url(task.process), text)


class ScopedProcessListView(_PageAskedTogether, vf_dashboard.DashboardProcessListView):
    def get_queryset(self):
        return _cases_summarised(super().get_queryset().filter(
            pk__in=_visible_process_ids(self.flow_class, self.request.user)),
            self.flow_class).order_by("-created")


class ScopedTaskListView(_PageAskedTogether, vf_dashboard.DashboardTaskListView):
    def process_summary(self, task):
        return _case_link(task, super().process_summary(task))

    process_summary.short_description = _("Case")

    def get_queryset(self):
        return _tasks_summarised(_listed_tasks(self.flow_class, self.request.user,
                                               super().get_queryset()),
                                 self.flow_class).order_by("-created")

    def owner(self, task):
        """The holder column, as the task page names the holder: viewflow printed the
        owner to whoever sees the list, the applicant too (its case's experts)."""
        return selectors.task_holder_name(self.request.user, task)

    owner.short_description = _("Owner")


class ScopedDashboardView(vf_dashboard.DashboardView):
    def get_context_data(self, **kwargs):
        tasks = _listed_tasks(self.flow_class, self.request.user,
                              self.flow_class.task_class._default_manager.filter(
                                  process__flow_class=self.flow_class))
        sorted_nodes, _unused = chart.topsort(self.flow_class)
        nodes = [n for n in sorted_nodes if n.task_type in ["HUMAN", "JOB", "SUBPROCESS"]]
        end_nodes = [n for n in sorted_nodes if n.task_type in ["END"]]
        tasks = _tasks_summarised(tasks, self.flow_class)
        columns = [{
            "node": node,
            "node_ref": vf_dashboard.get_task_ref(node),
            "tasks": list(tasks.filter(Q(finished__isnull=True) | Q(status=STATUS.ERROR),
                                       flow_task=node)[: self.MAX_ROWS]),
        } for node in nodes]
        finished = list(tasks.filter(finished__isnull=False, flow_task__in=end_nodes)[
            : self.MAX_ROWS])
        _rows_asked_together(self.request.user, self.flow_class, [
            *finished, *(task for column in columns for task in column["tasks"])])
        context = super(vf_dashboard.DashboardView, self).get_context_data(**kwargs)
        context.update(columns=columns, start_nodes=[], end_nodes=end_nodes,
                       finished=finished)
        return context


class ScopedChartView(FlowChartView):
    """A case's chart shows how far it got: only to those who may see the case, and the
    route a vetting took (a record hit's step) only to those who may read its reasons."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            case = self.flow_class.process_class.objects.filter(
                pk=process_pk, pk__in=_visible_process_ids(self.flow_class, request.user),
            ).first()
            if case is None or not selectors.may_read_case_reasons(request.user, case):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    # viewflow's own get(), but for the captions of a decision's two edges: viewflow 2.4
    # writes them as bare English ("yes"/"no", flow.If's _outgoing), not marked for
    # translation, so the chart on a Chinese page said "yes" and "no"
    @method_decorator(last_modified(
        lambda *args, **kwargs: None if "process_pk" in kwargs else process_start_time))
    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "bpmn":  # an exchange format: as viewflow writes it
            return super().get(request, *args, **kwargs)
        grid = chart.calc_layout_data(self.flow_class)
        if (process_pk := kwargs.get("process_pk")) is not None:
            chart.calc_cell_status(self.flow_class, grid, process_pk)
        captions = {"cond_true": pgettext("a decision's outcome on the flow chart", "yes"),
                    "cond_false": pgettext("a decision's outcome on the flow chart", "no")}
        for edge in grid.edges:
            edge.label = captions.get(edge.edge_class, edge.label)
        return HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")


class CaseRedirectView(generic.View):
    """viewflow's page of a process is the case's own page (every link the engine makes to
    a process, its task rows and the page after a task, lands there); the case page
    decides what the reader may see, and answers 404 to those who may see nothing."""

    flow_class = None

    def get(self, request, process_pk, **kwargs):
        case = self.flow_class.process_class.objects.filter(pk=process_pk).first()
        if case is None:
            raise Http404
        if not selectors.may_view_case(request.user, case):
            raise PermissionDenied
        return HttpResponseRedirect(selectors.case_url(case))


class InboxListView(_PageAskedTogether, FlowInboxListView):
    """viewflow's inbox of the tasks the user holds, read with their cases' summaries."""

    def get_queryset(self):
        return _tasks_summarised(super().get_queryset(), self.flow_class)


class ArchiveListView(_PageAskedTogether, FlowArchiveListView):
    """viewflow's archive of the user's finished tasks, whose last column viewflow heads with
    its method's bare English name ("Process summary"): headed in the user's language."""

    def get_queryset(self):
        return _tasks_summarised(super().get_queryset(), self.flow_class)

    def process_summary(self, task):
        return _case_link(task, super().process_summary(task))

    process_summary.short_description = _("Case")


class QueueListView(_PageAskedTogether, FlowQueueListView):
    """viewflow's queue, without the tasks its reader may not take (four eyes: a decision of
    a case they checked or scored; ``task_queue.without_barred_tasks``)."""

    def get_queryset(self):
        return _tasks_summarised(task_queue.without_barred_tasks(
            self.request.user, super().get_queryset(), [self.flow_class]), self.flow_class)


class ScopedFlowAppViewset(FlowAppViewset):
    archive_view_class = ArchiveListView
    inbox_view_class = InboxListView
    queue_view_class = QueueListView
    chart_view_class = ScopedChartView
    process_detail_view_class = CaseRedirectView
    dashboard_view_class = ScopedDashboardView
    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView

    def brief(self, obj):
        """The lists' "brief" column (viewflow labels it with the bare English attribute name,
        "Brief"): the case's summary, under a translated heading; on a task row (inbox, queue,
        archive) a link to the case's page (a case row links to it already)."""
        process = getattr(obj, "process", None)
        if process is None:
            return obj.brief
        return _case_link(obj, process.brief)

    brief.short_description = _("Summary")

class SelectionApp(ScopedFlowAppViewset):
    title = _("Organization selection")
    icon = "domain"

    def __init__(self, **kwargs):
        super().__init__(OrganizationSelectionFlow, **kwargs)


class VettingApp(ScopedFlowAppViewset):
    title = _("Individual vetting")
    icon = "badge"

    def __init__(self, **kwargs):
        super().__init__(IndividualVettingFlow, **kwargs)



class RecertificationApp(ScopedFlowAppViewset):
    title = _("Re-certification")
    icon = "autorenew"

    def __init__(self, **kwargs):
        super().__init__(RecertificationFlow, **kwargs)


class AnnualReviewApp(ScopedFlowAppViewset):
    title = _("Annual review")
    icon = "fact_check"

    def __init__(self, **kwargs):
        super().__init__(AnnualReviewFlow, **kwargs)


class ReviewCaseApp(ScopedFlowAppViewset):
    title = _("Review cases")
    icon = "gavel"

    def __init__(self, **kwargs):
        super().__init__(ReviewCaseFlow, **kwargs)
