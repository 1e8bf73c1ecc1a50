"""The school rates its engagements on the rubric at the end of each term (学期考核,
issue 20): the term's rating page. The rules (when, once, the scores) are the service's."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import selectors, services
from registry.forms import RubricForm
from registry.models import EVALUATION_RUBRIC, Engagement, SchoolTerm
from registry.requests import form_error, query_id
from registry.selectors.engagements import awaits_rating


@login_required
def term_ratings(request, pk: int):
    """The engagements of one term, each with its rating on the rubric or the form to
    give it; a POST rates one engagement (``engagement``). A refusal comes back as a 400
    beside that engagement, with what was entered."""
    term = SchoolTerm.objects.select_related("school").filter(pk=pk).first()
    if term is None or not request.user.has_perm("registry.act_for_school", term.school):
        # another school's term is one nobody holds (the same 404, the same words, as the
        # term's plan and settlement answer): a 403 told which terms exist
        raise Http404(_("No such term."))
    forms, status = {}, 200
    if request.method == "POST":
        engagement_id = query_id(request.POST.get("engagement"),
                                 _("The engagement must be given by its number."))
        engagement = get_object_or_404(Engagement.objects.select_related("school", "approval"),
                                       pk=engagement_id, term=term)
        form = RubricForm(request.POST, prefix=f"e{engagement.pk}")
        try:
            if not form.is_valid():
                raise ValidationError(_("Score every item of the rubric."))
            evaluation = services.engagement_evaluate(
                actor=request.user, engagement=engagement, scores=form.scores(),
                comments=form.cleaned_data["comments"])
        except ValidationError as error:
            form_error(form, error)
            forms[engagement.pk], status = form, 400
        else:
            messages.success(request, _("Rating recorded: satisfaction %(percent)s%%.")
                             % {"percent": evaluation.percent})
            return redirect("registry:term-ratings", pk=term.pk)
    today = timezone.localdate()
    rows = []
    for engagement in selectors.term_rating_sheet(term):
        # a missing reverse one-to-one is an AttributeError: no rating yet
        rated = getattr(engagement, "evaluation", None)
        rows.append({
            "engagement": engagement, "evaluation": rated,
            "open": rated is None and awaits_rating(engagement, today),
            "form": forms.get(engagement.pk) or RubricForm(prefix=f"e{engagement.pk}"),
        })
    return render(request, "registry/school/term_ratings.html", {
        "term": term, "term_ended": term.ends_on < today, "rows": rows,
        "rubric": EVALUATION_RUBRIC,
        "threshold": round(float(settings.REGISTRY_SATISFACTION_THRESHOLD) * 100)},
        status=status)
