"""The bureau dashboard (督导): the state of a bureau's jurisdiction at a glance, each
number linking to the list behind it. Every figure is one aggregate query; nothing
here loops over rows."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from documents.models import Document
from registry.expiry import expiring_q
from registry.models import (
    Approval,
    Bureau,
    Engagement,
    Jurisdiction,
    ReviewRequest,
    School,
    SchoolTerm,
    ServiceCategory,
)
from registry.requests import bureaus_administered_by
from registry.selectors import hardship_places_totals, review_requests_for_bureaus
from workflows.models import (
    CaseOutcome,
    RecertificationProcess,
    SelectionProcess,
    VettingProcess,
)
from workflows.selectors import bureaus_opening_for

EXPIRY_WINDOWS = (7, 30, 60)
DASHBOARD_PERMS = ("registry.clerk_bureau", "registry.approve_bureau",
                   "registry.administer_bureau")


def _subtree(bureau: Bureau):
    return Jurisdiction.objects.filter(Jurisdiction.subtree_q(bureau.jurisdiction_id))


def approvals_in(bureau: Bureau):
    """Approvals granted by this bureau or by the bureaus below it."""
    return Approval.objects.filter(jurisdiction__in=_subtree(bureau).values("pk"))


def schools_in(bureau: Bureau):
    return School.objects.filter(county__in=_subtree(bureau).values("pk"))


def documents_expiring(bureau: Bureau, days: int, *, today=None):
    """Current documents of providers approved here that expire within ``days``."""
    today = today or timezone.localdate()
    active = approvals_in(bureau).filter(status__in=Approval.OPEN_STATUSES)
    return (Document.objects.filter(expiring_q(today, days), superseded_at__isnull=True)
            .filter(Q(organization__in=active.values("organization_id"))
                    | Q(person__in=active.values("person_id")))
            .select_related("document_type", "organization", "person")
            .order_by("expires_on", "pk"))


def open_cases(bureau: Bureau):
    return {
        "selection": SelectionProcess.objects.filter(bureau=bureau, outcome=CaseOutcome.OPEN),
        "vetting": VettingProcess.objects.filter(bureau=bureau, outcome=CaseOutcome.OPEN),
        "recertification": RecertificationProcess.objects.filter(bureau=bureau,
                                                                 outcome=CaseOutcome.OPEN),
    }


def failed_steps(bureau: Bureau):
    """Automatic steps of the bureau's cases that failed (viewflow task status ERROR): a
    background step after a check or a decision that the worker could not complete. They
    wait for an administrator (the task's page in the workspace)."""
    cases = open_cases(bureau)
    return Task.objects.filter(status=STATUS.ERROR).filter(
        Q(process__in=cases["selection"].values("pk"))
        | Q(process__in=cases["vetting"].values("pk"))
        | Q(process__in=cases["recertification"].values("pk")))


def engagement_shares(bureau: Bureau, *, today=None):
    """Per school, the current term's external organization engagements against its
    after-school projects (the cap's base)."""
    today = today or timezone.localdate()
    return (SchoolTerm.objects.filter(school__in=schools_in(bureau), starts_on__lte=today,
                                      ends_on__gte=today)
            .annotate(external=Count("engagements", filter=Q(
                engagements__organization__isnull=False)))
            .select_related("school").order_by("-external", "school__name")[:200])


def schools_without_category(bureau: Bureau, category: ServiceCategory):
    """Schools with no engagement whose offering is in ``category`` (or its sub-items)."""
    categories = ServiceCategory.objects.filter(Q(pk=category.pk) | Q(parent=category))
    engaged = Engagement.objects.filter(school=OuterRef("pk"),
                                        offering__category__in=categories.values("pk"))
    return schools_in(bureau).filter(~Exists(engaged)).order_by("name")


def bureau_dashboard(bureau: Bureau) -> dict:
    """The figures of the dashboard (a bounded number of aggregate queries)."""
    now = timezone.now()
    by_status = dict(approvals_in(bureau).values_list("status").annotate(n=Count("pk"))
                     .values_list("status", "n"))
    expiring = {days: documents_expiring(bureau, days).count() for days in EXPIRY_WINDOWS}
    cases = []
    for kind, queryset in open_cases(bureau).items():
        figures = queryset.aggregate(n=Count("pk"), oldest=Min("created"))
        age = (now - figures["oldest"]).days if figures["oldest"] else None
        cases.append({"kind": kind, "count": figures["n"], "oldest_days": age})
    top_categories = list(ServiceCategory.objects.filter(parent=None, is_active=True))
    gaps = [{"category": c, "count": schools_without_category(bureau, c).count()}
            for c in top_categories]
    hardship = hardship_places_totals(
        jurisdiction_ids=list(_subtree(bureau).values_list("pk", flat=True)))
    return {
        "approvals": [{"status": s, "label": Approval.Status(s).label,
                       "count": by_status.get(s, 0)} for s in Approval.Status.values],
        "expiring": expiring,
        "cases": cases,
        "failed_steps": failed_steps(bureau).count(),
        "shares": engagement_shares(bureau),
        "gaps": gaps,
        "hardship": hardship,
        "open_outcome": CaseOutcome.OPEN,
    }


def _bureau_for(user, pk) -> Bureau:
    bureau = get_object_or_404(Bureau.objects.select_related("jurisdiction"), pk=pk)
    if not (user.is_superuser or any(user.has_perm(p, bureau) for p in DASHBOARD_PERMS)):
        raise PermissionDenied
    return bureau


class DashboardView(LoginRequiredMixin, generic.TemplateView):
    template_name = "workflows/dashboard.html"

    def get_context_data(self, **kwargs):
        bureau = _bureau_for(self.request.user, self.kwargs["pk"])
        context = {**super().get_context_data(**kwargs), "bureau": bureau,
                   "d": bureau_dashboard(bureau), "windows": EXPIRY_WINDOWS,
                   # a clerk or an administrator opens review cases (complaints, by hand)
                   "may_open_review_case": bureaus_opening_for(self.request.user)
                   .filter(pk=bureau.pk).exists()}
        # Review requests are closed by the bureau's administrators only (the registry's
        # bureau pages admit them by the same rule): the figure is theirs, linking to the
        # page where they close them.
        if bureaus_administered_by(self.request.user).filter(pk=bureau.pk).exists():
            context["open_review_requests"] = review_requests_for_bureaus(
                [bureau.pk], status=ReviewRequest.Status.OPEN).count()
        return context


class DashboardListView(LoginRequiredMixin, generic.ListView):
    """The list behind a number of the dashboard."""

    template_name = "workflows/dashboard_list.html"
    paginate_by = 50
    LISTS = {
        "approvals": _("Approvals"),
        "expiring": _("Documents expiring soon"),
        "cases": _("Open cases"),
        "gap": _("Schools without an engagement in the category"),
        "failed": _("Failed automatic steps of open cases"),
    }

    def get_queryset(self):
        self.bureau = _bureau_for(self.request.user, self.kwargs["pk"])
        kind = self.kwargs["kind"]
        if kind not in self.LISTS:
            raise Http404
        params = self.request.GET
        if kind == "approvals":
            status = params.get("status", "approved")
            if status not in Approval.Status.values:
                raise Http404
            return (approvals_in(self.bureau).filter(status=status)
                    .select_related("organization", "person", "jurisdiction")
                    .order_by("valid_until", "pk"))
        if kind == "expiring":
            try:
                days = int(params.get("days", "30"))
            except ValueError:
                raise Http404 from None
            if days not in EXPIRY_WINDOWS:
                raise Http404
            return documents_expiring(self.bureau, days)
        if kind == "cases":
            cases = open_cases(self.bureau)
            which = params.get("type", "selection")
            if which not in cases:
                raise Http404
            return cases[which].annotate(age_from=F("created")).order_by("created")
        if kind == "failed":  # each row links to its case's page
            return failed_steps(self.bureau).select_related("process").order_by("created", "pk")
        category = get_object_or_404(ServiceCategory, code=params.get("category", ""))
        self.category = category
        return schools_without_category(self.bureau, category).select_related("county")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "bureau": self.bureau,
                "kind": self.kwargs["kind"], "title": self.LISTS[self.kwargs["kind"]],
                # the schools without an engagement in it: which category, in words
                "category": getattr(self, "category", None)}
