"""The ranking of a school search, written as SQL: the candidates the n-gram index gives
for the keyword, kept where an approval valid today in the school's lineage covers the
category, ranked by relevance and best expert score (one index-only probe each)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from registry.models import (
    Approval,
    Offering,
    Person,
    ProviderAvailability,
    ProviderSearchDocument,
)
from registry.models.search import grams_sql
from registry.search_text import availability_tokens, county_token, keyword_terms, term_grams
from registry.selectors.sql import column, db_value, placeholders, table

TOTAL = "search_total"


@dataclass(frozen=True)
class OfferingFilter:
    """What one active offering of an organization must satisfy (any given)."""

    category_ids: list[int] | None = None
    weekday: int | None = None  # 1 = Monday
    max_fee: Decimal | None = None
    grade: int | None = None


def _candidates(*, subject: str, keyword: str, jurisdiction_ids, category_ids, day,
                county_id: int | None = None, kind: str | None = None,
                offerings: OfferingFilter | None = None,
                grade: int | None = None) -> tuple[str, list]:
    """The search documents that may answer a school's search, each with what ranks it:
    the SQL of ``(sid, relevance, best, sort_name)`` rows, and its parameters.

    Candidates come from the documents of one kind of subject: their ``availability``
    tokens (where the subject holds an approval in status "approved", and for which
    categories) and, with a keyword, their n-grams, asked of that kind's GIN index on
    PostgreSQL (migration 0009: an organization search never reads a person's postings).
    The tokens only narrow the search. The county filter is a token among the n-grams
    (county_token). Each candidate carries:

    - ``relevance``: per term, 8 for a match in the name, 4 in titles, 3 in pinyin, 1 in
      descriptions, summed; NULL when a term is in none of them (the n-grams matched, the
      substring did not);
    - ``best``: the best expert score of its approvals valid ``day`` (status, dates,
      jurisdiction, category), read on ``ProviderAvailability`` (the approved approvals
      flattened per category, kept exact by the services: one index-only probe, no join
      to the category links); with ``grade`` (people), only approvals covering that
      grade count (the rows carry the approval's grades, in the index); -1 when they
      are unscored, NULL when there is none. A
      stale token can hide a provider, never show one; and the page is read through the
      approvals themselves (``_valid_approvals``, the guard), so a stale availability row
      can never show one either.

    Both are computed once per candidate, in the select list; ``_Ranking`` keeps the rows
    where neither is NULL. (Filtering on them here would make the database compute them
    twice: a third of the query's time for a broad keyword.)

    Written as SQL, not built with the ORM: building this query cost more Python (about
    1.5 ms) than the database spends running it for most keywords, on every search.
    tests/registry/test_search.py and test_search_availability.py hold its rules.
    """
    vendor = connection.vendor
    like = "LIKE %s" if vendor == "postgresql" else "LIKE %s ESCAPE '\\'"
    sid = f"d.{column(ProviderSearchDocument, subject)}"
    params: list = []

    relevance = ["0"]
    for term in keyword_terms(keyword):
        pattern = f"%{connection.ops.prep_for_like_query(term)}%"
        relevance.append(
            "CASE" + "".join(
                f" WHEN d.{column(ProviderSearchDocument, field)} {like} THEN {weight}"
                for field, weight in (("name_text", 8), ("title_text", 4),
                                      ("pinyin_text", 3), ("description_text", 1)))
            + " ELSE NULL END")
        params += [pattern] * 4

    def v(field: str) -> str:
        return f"v.{column(ProviderAvailability, field)}"

    # One probe of availability_<kind>_idx per candidate, index-only: the approvals in
    # status "approved", flattened per category (registry.services.availability).
    best = (f"SELECT COALESCE({v('expert_score')}, -1)"  # noqa: S608
            f" FROM {table(ProviderAvailability)} v"  # (names and placeholders only, as below)
            f" WHERE {v(subject)} = {sid}"
            f" AND {v('jurisdiction')} IN ({placeholders(jurisdiction_ids)})")
    params += list(jurisdiction_ids)
    if category_ids is not None:
        best += f" AND {v('category')} IN ({placeholders(category_ids)})"
        params += list(category_ids)
    best += f" AND {v('valid_from')} <= %s AND {v('valid_until')} >= %s"
    params += [db_value(Approval, "valid_from", day), db_value(Approval, "valid_until", day)]
    if grade is not None:
        best += f" AND {v('grade_min')} <= %s AND {v('grade_max')} >= %s"
        params += [int(grade), int(grade)]
    best += " ORDER BY 1 DESC LIMIT 1"

    where, where_params = [f"{sid} IS NOT NULL"], []
    grams = f"d.{column(ProviderSearchDocument, 'grams')}"
    sql, found = grams_sql(f"d.{column(ProviderSearchDocument, 'availability')}",
                           availability_tokens(jurisdiction_ids, category_ids),
                           every=False, vendor=vendor)
    where.append(sql)
    where_params += found
    required = [county_token(county_id)] if county_id is not None else []
    for term in keyword_terms(keyword):
        required += term_grams(term)
    if required:
        sql, found = grams_sql(grams, required, every=True, vendor=vendor)
        where.append(sql)
        where_params += found
    join = ""
    if kind is not None:
        join = f" JOIN {table(Person)} p ON p.{column(Person, 'id')} = {sid}"
        where.append(f"p.{column(Person, 'kind')} = %s")
        where_params.append(kind)
    if offerings is not None:
        sql, found = _offering_exists(offerings, sid)
        where.append(sql)
        where_params += found

    select = (f"SELECT {sid} AS sid, ({' + '.join(relevance)}) AS relevance,"  # noqa: S608
              f" ({best}) AS best,"
              f" d.{column(ProviderSearchDocument, 'name_text')} AS sort_name"
              f" FROM {table(ProviderSearchDocument)} d{join} WHERE {' AND '.join(where)}")
    return select, params + where_params


def _offering_exists(offerings: OfferingFilter, sid: str) -> tuple[str, list]:
    """EXISTS one active offering of the organization ``sid`` that meets ``offerings``."""
    def of(field: str) -> str:
        return f"o.{column(Offering, field)}"

    where = [f"{of('organization')} = {sid}", of("is_active")]
    params: list = []
    if offerings.category_ids is not None:
        where.append(f"{of('category')} IN ({placeholders(offerings.category_ids)})")
        params += list(offerings.category_ids)
    if offerings.weekday is not None:
        where.append(f"({of('weekdays')} & %s) > 0")
        params.append(1 << (int(offerings.weekday) - 1))
    if offerings.max_fee is not None:
        where.append(f"{of('fee_per_session')} <= %s")
        params.append(db_value(Offering, "fee_per_session", offerings.max_fee))
    if offerings.grade is not None:
        where.append(f"{of('grade_min')} <= %s AND {of('grade_max')} >= %s")
        params += [offerings.grade, offerings.grade]
    return (f"EXISTS (SELECT 1 FROM {table(Offering)} o"  # noqa: S608
            f" WHERE {' AND '.join(where)})",
            params)


class _Ranking:
    """The ranking of a school search over ``_candidates``: rows of ``(subject id,
    relevance, expert score, total)``, best first (relevance, then expert score with the
    unscored last, then name as indexed (NFKC, lower case), then id), counted as it goes
    (``COUNT(*) OVER ()``). One query per slice; no subject row is read for it (a broad
    keyword has well over a thousand candidates) unless a filter is on the subject itself
    (a person's kind; the county is a token of the document, see county_token).

    ``OFFSET 0`` keeps the database from merging the candidates into the ranking, which
    would compute ``best`` and ``relevance`` again in the outer filter.
    """

    def __init__(self, candidates: tuple[str, list]):
        self.candidates = candidates

    def _wrapped(self, select: str, tail: str = "") -> tuple[str, tuple]:
        inner, params = self.candidates
        no_limit = connection.ops.no_limit_value()
        barrier = "OFFSET 0" if no_limit is None else f"LIMIT {no_limit} OFFSET 0"
        sql = (f"SELECT {select} FROM ({inner} {barrier}) ranked "  # noqa: S608 (no input)
               f"WHERE ranked.relevance IS NOT NULL AND ranked.best IS NOT NULL {tail}")
        return sql, tuple(params)

    def sql(self, start: int = 0, stop: int | None = None) -> tuple[str, tuple]:
        """The query of one slice, with its parameters."""
        return self._wrapped(
            "ranked.sid, ranked.relevance, NULLIF(ranked.best, -1), COUNT(*) OVER ()",
            "ORDER BY ranked.relevance DESC, ranked.best DESC, ranked.sort_name, ranked.sid "
            + connection.ops.limit_offset_sql(start, stop))

    def rows(self, start: int, stop: int | None) -> list[tuple]:
        sql, params = self.sql(start, stop)
        score = Approval._meta.get_field("expert_score")
        places = Decimal(1).scaleb(-score.decimal_places)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [(sid, int(relevance),
                 None if best is None else score.to_python(best).quantize(places), int(total))
                for sid, relevance, best, total in found]

    def count(self) -> int:
        sql, params = self._wrapped("COUNT(*)")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
