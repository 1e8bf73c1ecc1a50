"""The keyword index behind school search: character n-grams of names, titles and
descriptions (Chinese has no spaces to split words on), plus their pinyin."""

from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields


class GramsField(models.TextField):
    """Space-separated tokens, queried through :func:`grams_sql`.

    On PostgreSQL a GIN index on ``string_to_array(grams, ' ')`` and
    ``string_to_array(availability, ' ')`` (see migration 0008) serves the queries;
    elsewhere they fall back to LIKE.
    """


def grams_sql(column: str, grams, *, every: bool, vendor: str) -> tuple[str, list]:
    """SQL that ``column`` (a GramsField's, as the query names it) holds every one of
    ``grams`` (``every``) or at least one, for the queries written by hand (school
    search's ranking)."""
    grams = [str(g) for g in grams]
    if not grams:
        return ("1 = 1" if every else "1 = 0"), []
    if vendor == "postgresql":
        # The expression must match the index's exactly for the planner to use it.
        return f"string_to_array({column}, ' ') {'@>' if every else '&&'} %s::text[]", [grams]
    parts = [f"(' ' || {column} || ' ') LIKE %s" for _gram in grams]
    params = [f"% {gram} %" for gram in grams]
    if every:
        return " AND ".join(parts), params
    return "(" + " OR ".join(parts) + ")", params


@GramsField.register_lookup
class HoldsAll(Lookup):
    """``grams__holds_all=[...]``: the field holds every one of the tokens, written as
    :func:`grams_sql` writes it, so that a query built with the ORM is served by the same
    GIN index as school search (PostgreSQL: ask for ``<subject>_id IS NOT NULL`` too, the
    indexes are partial). Every row holds an empty list: no index then."""

    lookup_name = "holds_all"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [str(gram) for gram in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = grams_sql(lhs, self.rhs, every=True, vendor=connection.vendor)
        return sql, (*lhs_params, *params)


class ProviderSearchDocument(SubjectMixin, models.Model):
    """The searchable text of one organization (with its offerings) or one person, and
    where it may be available (``availability``, the prefilter of school search).

    Kept current by the services that write organizations, offerings and people
    (``search_index_refresh``) and approvals (``search_availability_refresh``);
    ``manage.py rebuild_search_index`` rebuilds all.
    """

    organization, person = subject_fields("search_document", on_delete=models.CASCADE,
                                          field=models.OneToOneField)
    name_text = models.TextField(_("names"), blank=True)
    title_text = models.TextField(_("offering titles"), blank=True)
    description_text = models.TextField(_("descriptions"), blank=True)
    pinyin_text = models.TextField(_("pinyin"), blank=True)
    grams = GramsField(_("n-grams"), blank=True)
    # Tokens of where the subject holds an approval in status "approved" (and for which
    # categories): see registry.search_text.availability_text. Only narrows the search;
    # validity itself is always checked on the approvals.
    availability = GramsField(_("approved in"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            subject_constraint("search_document_exactly_one_subject"),
        ]

    def __str__(self) -> str:
        return self.name_text[:80]
