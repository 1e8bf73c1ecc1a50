"""Where things are: jurisdictions, their bureaus, schools, and service categories."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin:
    """``display_name`` follows the active language: the English name (``name_en``) when
    English is active and one is held, else the Chinese name. Pages name jurisdictions,
    categories, schools and bureaus through it (``{{ category.display_name }}``), never
    ``name``; ``display_label`` is the name a list of choices shows (a sub-item with its
    parent)."""

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and getattr(self, "name_en", ""):
            return self.name_en
        return self.name

    @property
    def display_label(self) -> str:
        return self.display_name


class Jurisdiction(BilingualNameMixin, models.Model):
    """A node of the administrative tree: province 省 → city 设区市 → county 县(市、区)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")

    # Depth of each level in the tree; a child is exactly one level below its parent.
    DEPTH = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2}

    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        help_text=_("GB/T 2260 administrative division code, e.g. 360100."),
    )
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | (~Q(level="province") & Q(parent__isnull=False)),
                name="jurisdiction_only_provinces_are_roots",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.parent_id and self.DEPTH[self.level] != self.DEPTH[self.parent.level] + 1:
            raise ValidationError(
                {"parent": _("A %(level)s must sit directly under the level above it.")
                 % {"level": self.get_level_display()}}
            )

    def lineage(self) -> list["Jurisdiction"]:
        """This jurisdiction and its ancestors, nearest first (at most three)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def lineage_ids(self) -> list[int]:
        """The ids of :meth:`lineage`, nearest first: no query when the parent is loaded
        (``select_related("…__parent")``: the tree is three deep, so the parent's
        ``parent_id`` is the last one), one otherwise."""
        if self.parent_id is None:
            return [self.pk]
        if Jurisdiction.parent.is_cached(self):
            parent = self.parent
            if parent.parent_id is None or Jurisdiction.parent.is_cached(parent):
                return [self.pk, *parent.lineage_ids()]
            rest = [parent.parent_id]
        else:
            rest = list(Jurisdiction.objects.filter(pk=self.parent_id)
                        .values_list("parent_id", "parent__parent_id").first() or ())
        return [pk for pk in (self.pk, self.parent_id, *rest) if pk is not None]

    @classmethod
    def subtree_q(cls, jurisdiction_id: int, prefix: str = "") -> Q:
        """A filter matching a jurisdiction and everything under it (the tree is 3 deep)."""
        return (
            Q(**{f"{prefix}id": jurisdiction_id})
            | Q(**{f"{prefix}parent_id": jurisdiction_id})
            | Q(**{f"{prefix}parent__parent_id": jurisdiction_id})
        )


class Bureau(BilingualNameMixin, models.Model):
    """The education bureau (教育局) that runs selection for one jurisdiction."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
        related_name="bureau",
    )
    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("education bureau")
        verbose_name_plural = _("education bureaus")
        ordering = ["jurisdiction__code"]
        permissions = [
            ("clerk_bureau", _("Check documents as a clerk of the bureau")),
            ("expert_bureau", _("Score applications as an expert of the bureau")),
            ("approve_bureau", _("Decide applications as an approver of the bureau")),
            (
                "administer_bureau",
                _("Publish lists and sanction as an administrator of the bureau"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class School(BilingualNameMixin, models.Model):
    """A compulsory-education school; it belongs to exactly one county."""

    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    code = models.CharField(
        _("school code"), max_length=32, unique=True,
        help_text=_("The school's identification code from the education statistics system."),
    )
    county = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": Jurisdiction.Level.COUNTY},
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["county__code", "name"]
        permissions = [("act_for_school", _("Act for the school"))]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.county_id and self.county.level != Jurisdiction.Level.COUNTY:
            raise ValidationError({"county": _("A school belongs to a county or district.")})


def high_risk_q(path: str = "") -> Q:
    """Rows whose category (itself, or reached through ``path``, e.g. ``"categories"``) is
    a high-risk sport or a sub-item of one: the query twin of ``ServiceCategory.high_risk``."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}is_high_risk": True}) | Q(**{f"{prefix}parent__is_high_risk": True})


class ServiceCategoryManager(models.Manager):
    """Categories come with their parent: a sub-item is named with it (``__str__``:
    体育 · 游泳), and every list of categories (a form's select, the admin's filters and
    choices) would otherwise read the parent once per sub-item. A few dozen rows."""

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class ServiceCategory(BilingualNameMixin, models.Model):
    """A non-academic category (体育, 文化艺术 …) or a sub-item of one (心理健康 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    # 高危险性体育项目 (swimming, climbing, diving, skiing …): a provider offering it needs
    # the sports bureau's licence in its checklist (documents.DocumentType.for_high_risk);
    # a sub-item of a high-risk category is high-risk too (``high_risk``)
    is_high_risk = models.BooleanField(
        _("high-risk sport"), default=False,
        help_text=_("A provider offering it must hold the high-risk sports licence "
                    "(高危险性体育项目许可)."))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ServiceCategoryManager()

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} · {self.name}"
        return self.name

    @property
    def display_label(self) -> str:
        """As ``__str__`` (a sub-item with its parent: 体育 · 游泳), in the active
        language (Sport · Swimming). The parent is read with it (the manager joins it)."""
        if self.parent_id:
            return f"{self.parent.display_name} · {self.display_name}"
        return self.display_name

    @property
    def high_risk(self) -> bool:
        """High-risk itself, or a sub-item of a high-risk category."""
        return self.is_high_risk or bool(self.parent_id and self.parent.is_high_risk)
