"""Policy screening rules, kept as data: which non-academic categories a jurisdiction
allows, which words suggest subject tutoring (学科类), and the fee reference per category.

Bureaus edit these in the admin; ``registry.selectors.policy`` reads them (inheriting
down the jurisdiction tree) and ``registry.services.policy.offering_screen`` applies them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AllowedCategory(models.Model):
    """One category (or sub-item) a jurisdiction allows in after-school service.

    A jurisdiction with no entries of its own inherits its parent's list (province →
    city → county). Allowing a category also allows its sub-items.
    """

    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.CASCADE,
        related_name="allowed_categories",
    )
    category = models.ForeignKey(
        "registry.ServiceCategory", verbose_name=_("category"), on_delete=models.CASCADE,
        related_name="allowed_in",
    )

    class Meta:
        verbose_name = _("allowed category")
        verbose_name_plural = _("allowed categories")
        ordering = ["jurisdiction__code", "category__sort_order", "category__code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "category"],
                                    name="allowed_category_once"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.category}"


class AcademicSignal(models.Model):
    """A word that suggests subject tutoring or new lessons (语文, 奥数, 预习 …).

    A match does not reject anything: it flags the offering for the clerk.
    """

    word = models.CharField(_("word"), max_length=32, unique=True)
    explanation = models.CharField(_("explanation"), max_length=255)
    explanation_en = models.CharField(_("English explanation"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("academic-subject signal")
        verbose_name_plural = _("academic-subject signals")
        ordering = ["word"]
        constraints = [
            models.CheckConstraint(condition=~Q(word=""), name="academic_signal_word_not_empty"),
        ]

    def __str__(self) -> str:
        return self.word


class FeeReference(models.Model):
    """The local fee reference for a category from a date on: the reference average
    (e.g. the local youth palace 青少年宫) and the cap an offering may not exceed.

    The one in force for a jurisdiction is the latest ``effective_from`` on or before
    the day, looked up in the jurisdiction itself, then its city, then the province.
    """

    category = models.ForeignKey(
        "registry.ServiceCategory", verbose_name=_("category"), on_delete=models.CASCADE,
        related_name="fee_references",
    )
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.CASCADE,
        related_name="fee_references",
    )
    effective_from = models.DateField(_("effective from"))
    reference_fee = models.DecimalField(
        _("reference fee per session (CNY)"), max_digits=8, decimal_places=2,
        help_text=_("For example the average of the local youth palace (青少年宫)."),
    )
    cap = models.DecimalField(_("cap per session (CNY)"), max_digits=8, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fee reference")
        verbose_name_plural = _("fee references")
        ordering = ["jurisdiction__code", "category__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "jurisdiction", "effective_from"],
                                    name="fee_reference_once_per_day"),
            models.CheckConstraint(condition=Q(reference_fee__gte=0, cap__gte=0),
                                   name="fee_reference_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.category} · {self.effective_from}"
