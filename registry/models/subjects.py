"""The subject: what approvals, documents, engagements, sanctions and search documents are
about, exactly one organization or one person. Written once here: the two fields, the
constraint that exactly one is set, and the helpers services use."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.providers import Organization, Person


def subject_fields(related_name: str, *, on_delete=models.PROTECT,
                   field=models.ForeignKey) -> tuple[models.Field, models.Field]:
    """``organization, person = subject_fields("approvals")``: the two nullable links, of
    which :func:`subject_constraint` requires exactly one."""
    common = {"null": True, "blank": True, "on_delete": on_delete,
              "related_name": related_name}
    return (field("registry.Organization", verbose_name=_("organization"), **common),
            field("registry.Person", verbose_name=_("person"), **common))


def subject_constraint(name: str, *, organization_also: Q | None = None,
                       person_also: Q | None = None,
                       **person_lookups) -> models.CheckConstraint:
    """Exactly one of ``organization`` and ``person``; ``organization_also`` and
    ``person_also`` (or plain ``person_lookups``) add what else must hold in each case."""
    organization = Q(organization__isnull=False, person__isnull=True)
    person = Q(organization__isnull=True, person__isnull=False, **person_lookups)
    if organization_also is not None:
        organization &= organization_also
    if person_also is not None:
        person &= person_also
    return models.CheckConstraint(condition=organization | person, name=name)


class SubjectMixin:
    """For a model with :func:`subject_fields`: its subject, whichever it is."""

    @property
    def subject(self):
        return self.organization if self.organization_id else self.person


def one_subject(organization, person, message) -> models.Model:
    """The one subject given, or ``ValidationError(message)`` when none or both are."""
    if (organization is None) == (person is None):
        raise ValidationError(message)
    return organization if organization is not None else person


def subject_kwargs(subject) -> dict:
    """``{"organization": subject}`` or ``{"person": subject}``: to filter or create rows."""
    if isinstance(subject, Organization):
        return {"organization": subject}
    if isinstance(subject, Person):
        return {"person": subject}
    raise ValueError(f"not an organization or a person: {subject!r}")
