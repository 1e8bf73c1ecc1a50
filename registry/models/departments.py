"""Partner departments (会审): another department whose opinion some categories need before
the bureau decides — 体育 for sports with high-risk items such as swimming, 文化和旅游 for
arts, 科协 for science. Which categories need which department is data (the admin), and so
are the department's users (the ``department`` role, an object permission on it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.geography import BilingualNameMixin


class PartnerDepartment(BilingualNameMixin, models.Model):
    """A department of a jurisdiction (e.g. 南昌市体育局) that gives its opinion on the
    selection cases of the bureaus at or below that jurisdiction whose offerings are in one
    of its categories (a category covers its sub-items)."""

    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
        related_name="partner_departments",
        help_text=_("Cases at the bureau of this jurisdiction, or of one below it, ask this "
                    "department (the nearest one for a category is asked)."))
    categories = models.ManyToManyField(
        "registry.ServiceCategory", verbose_name=_("categories needing its opinion"),
        related_name="partner_departments", blank=True,
        help_text=_("A category covers its sub-items; choose a sub-item (e.g. 游泳) to ask "
                    "only for it."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner department")
        verbose_name_plural = _("partner departments")
        ordering = ["jurisdiction__code", "name"]
        permissions = [
            ("opine_department", _("Give the partner department's opinion on cases")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"],
                                    name="partner_department_name_once"),
        ]

    def __str__(self) -> str:
        return self.name
