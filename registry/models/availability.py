"""Where each provider may be found by a school search, and with which score: the
approvals in status "approved", flattened to one row per approval and category."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProviderAvailability(models.Model):
    """One approval in status "approved", for one of its categories (or for none, when it
    has no category), with its dates and expert score: what school search ranks on.

    Denormalised from ``Approval`` and its category links so that a search asks one
    covering index per candidate ("is it valid today in the school's county, city or
    province, for this category, and with which best score?") instead of an approval and a
    join to its links. Kept exact by the services that change an approval's status
    (``registry.services.availability.availability_refresh``, called from
    ``approval_transition``); ``manage.py rebuild_search_index`` rebuilds it. Time passing
    needs no maintenance: the dates are in the row. The page of results still reads the
    approvals themselves (the guard), so a row left stale by a write outside the services
    can never show a provider that is not available.
    """

    approval = models.ForeignKey(
        "registry.Approval", verbose_name=_("approval"), on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.CASCADE,
        related_name="+", db_index=False,
    )
    category = models.ForeignKey(
        "registry.ServiceCategory", verbose_name=_("category"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    expert_score = models.DecimalField(
        _("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    # the grades the approval covers (``Approval.grades``: 1–9 when it names none), so that
    # the school search of people by grade stays one index-only probe
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"), default=1)
    grade_max = models.PositiveSmallIntegerField(_("highest grade"), default=9)

    class Meta:
        verbose_name = _("provider availability")
        verbose_name_plural = _("provider availability")
        indexes = [
            # The search's probe per candidate: everything it reads is in the index
            # (PostgreSQL's INCLUDE), so it never visits the table.
            models.Index(fields=["organization", "jurisdiction", "category"],
                         name="availability_org_idx",
                         condition=Q(organization__isnull=False),
                         include=["valid_from", "valid_until", "expert_score"]),
            models.Index(fields=["person", "jurisdiction", "category"],
                         name="availability_person_idx",
                         condition=Q(person__isnull=False),
                         include=["valid_from", "valid_until", "expert_score", "grade_min",
                                  "grade_max"]),
        ]

    def __str__(self) -> str:
        return f"{self.approval_id} · {self.jurisdiction_id} · {self.category_id}"
