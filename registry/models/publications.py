"""Published approved lists (白名单 / 目录): numbered, dated, immutable snapshots."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import user_field


class Publication(models.Model):
    """One numbered batch of a jurisdiction's approved list, e.g. 南昌市 2026 年第 3 批.

    Written once by :func:`registry.services.publication_publish`; ``digest`` is
    the SHA-256 of the canonical JSON export, so anyone can check a copy.
    """

    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
        related_name="publications",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("batch number"))
    published_on = models.DateField(_("published on"))
    published_at = models.DateTimeField(_("published at"))
    published_by = user_field(_("published by"), null=True)
    previous = models.ForeignKey(
        "self", verbose_name=_("previous publication"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    entry_count = models.PositiveIntegerField(_("number of entries"))
    digest = models.CharField(_("SHA-256 digest"), max_length=64)
    # {"added": [{"key", "name"}], "removed": [...], "changed": [...]} against ``previous``.
    diff = models.JSONField(_("changes since the previous publication"), default=dict)

    class Meta:
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "number"],
                                    name="publication_unique_batch"),
        ]

    def __str__(self) -> str:
        return _("%(jurisdiction)s %(year)s batch %(number)s") % {
            "jurisdiction": self.jurisdiction.display_name, "year": self.year,
            "number": self.number,
        }


class PublicationEntry(models.Model):
    """One organization or person as published; public data only (never ID numbers)."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Organization")
        PERSON = "person", _("Individual")

    publication = models.ForeignKey(
        Publication, verbose_name=_("published list"), on_delete=models.CASCADE,
        related_name="entries",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    data = models.JSONField(_("published data"))
    digest = models.CharField(_("entry digest"), max_length=64)

    class Meta:
        verbose_name = _("published list entry")
        verbose_name_plural = _("published list entries")
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "position"],
                                    name="publication_entry_unique_position"),
            models.UniqueConstraint(fields=["publication", "key"],
                                    name="publication_entry_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name
