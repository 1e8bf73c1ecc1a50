"""The written notice (书面告知) of a record hit to a person the registry cannot reach, on
the blacklist proposals page: a printable letter, and a form to record that the person was
told. Each view parses input, checks who may ask and calls one service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from registry.models import BlacklistProposal
from registry.requests import bureau_for, error_messages, valid_data
from registry.selectors.record_hit_notice import may_tell_record_hit
from registry.services.record_hit_notice import WAYS, record_hit_person_told
from registry.widgets import DateField


class PersonToldForm(forms.Form):
    told_on = DateField(label=gettext_lazy("Date told"))
    way = forms.ChoiceField(label=gettext_lazy("How"), choices=list(WAYS.items()))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=1000,
                           help_text=gettext_lazy("Required for another way: say which. For "
                                                  "registered post, its number."))

    @classmethod
    def for_hit(cls, hit: BlacklistProposal) -> PersonToldForm:
        """The empty form on the proposals page, its fields' ids the hit's own."""
        return cls(auto_id=f"told-{hit.pk}-%s")


def _hit(request, bureau_id: int, pk: int) -> BlacklistProposal:
    """A record hit of the bureau ``request.user`` administers, pending or in force; one
    of another bureau does not exist for them."""
    bureau = bureau_for(request.user, bureau_id)
    hit = get_object_or_404(BlacklistProposal.objects.select_related("bureau", "person"),
                            pk=pk, bureau=bureau, kind=BlacklistProposal.Kind.RECORD_HIT)
    if not may_tell_record_hit(request.user, hit):
        raise PermissionDenied(_("Only an administrator of the bureau that recorded the hit "
                                 "may do this."))
    return hit


@login_required
@require_GET
def record_hit_notice(request, bureau_id: int, pk: int):
    """The letter to print and hand or post to the person: who, which bureau, the date,
    what the hit means for them and how to ask for a re-check; never the record."""
    hit = _hit(request, bureau_id, pk)
    if hit.status not in (BlacklistProposal.Status.PROPOSED,
                          BlacklistProposal.Status.CONFIRMED):
        raise Http404
    return render(request, "registry/bureau/record_hit_notice.html", {
        "hit": hit, "bureau": hit.bureau, "person": hit.person,
        "today": timezone.localdate(),
        "signup_url": request.build_absolute_uri(reverse("signup:start")),
        "my_sanctions_url": request.build_absolute_uri(reverse("registry:my-sanctions"))})


@login_required
@require_POST
def record_hit_told(request, bureau_id: int, pk: int):
    """Record that the person was told in writing (date, how)."""
    hit = _hit(request, bureau_id, pk)
    form = PersonToldForm(request.POST)
    try:
        record_hit_person_told(actor=request.user, proposal=hit, **valid_data(form))
    except ValidationError as error:
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    messages.success(request, _("Recorded: %(person)s was told in writing.")
                     % {"person": hit.person.name})
    return redirect(reverse("registry:blacklist-proposals", args=[hit.bureau_id])
                    + f"#notice-{hit.pk}")
