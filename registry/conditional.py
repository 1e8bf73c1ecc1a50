"""Conditional GETs of the public list pages and exports (ETag / Last-Modified, 304).

A published list never changes once published (its entries and digest are fixed), so a
list's exports are validated by the list itself, and its page by the list and by what of
it no longer holds (``lapsed``: entries suspended, revoked or ended since, which the page
names); the index and a jurisdiction's page change only when a list is published, so they
are validated by the latest publication. A client (or a proxy) that has a page answers
``If-None-Match`` / ``If-Modified-Since`` and gets a 304 with no page built and no export
streamed, until the validator changes. A few small indexed queries per request decide: the
ETag and Last-Modified functions share them (kept on the request), and a list's own page or
export is served from the very row that validated it, so a 200 costs no query more than it
would without the validators.
"""

from __future__ import annotations

import hashlib

from django.db.models import Max
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from registry import exports, selectors
from registry.caching import cached
from registry.models import Publication

# A list's pages and exports: cacheable by anyone (they are public and fixed), checked
# again after an hour. The index and a jurisdiction's page: always revalidated (no-cache),
# which costs a 304 until a new list is published.
FIXED = "public, max-age=3600"
CHANGING = "public, no-cache"
# How long the server keeps a list page's body (``list_page_body``): as long as a proxy may
# keep the page (FIXED), so that after a release changes the page's templates, pages built
# by the old ones are served for at most that long, here as by a proxy.
BODY_SECONDS = 3600


def _tag(*parts) -> str:
    return '"' + "-".join(str(p) for p in parts) + '"'


def _once(request, key, load):
    """``load()`` at most once per request: Django's ``condition`` asks the ETag and the
    Last-Modified functions separately, and both read the same row."""
    found = request.__dict__.setdefault("_list_validators", {})
    if key not in found:
        found[key] = load()
    return found[key]


def _latest(request, **filters):
    return _once(request, ("latest", tuple(sorted(filters.items()))),
                 lambda: Publication.objects.filter(**filters).aggregate(
                     at=Max("published_at"), pk=Max("pk")))


def _who(request) -> str:
    # a bureau administrator sees a publish button on the jurisdiction page: the page is
    # then theirs, not the public's
    return f"u{request.user.pk}" if request.user.is_authenticated else "anon"


def index_etag(request) -> str:
    latest = _latest(request)
    return _tag("index", latest["pk"] or 0, get_language(), _who(request))


def index_modified(request):
    return _latest(request)["at"]


def jurisdiction_etag(request, code: str) -> str:
    latest = _latest(request, jurisdiction__code=code)
    return _tag("j", code, latest["pk"] or 0, get_language(), _who(request))


def jurisdiction_modified(request, code: str):
    return _latest(request, jurisdiction__code=code)["at"]


def _publication(request, pk: int) -> Publication | None:
    def load():
        try:
            return selectors.publication_detail(pk)
        except Publication.DoesNotExist:
            return None
    return _once(request, ("publication", pk), load)


def publication(request, pk: int) -> Publication:
    """The list the validators read for this request (one query for both and the view);
    ``Publication.DoesNotExist`` if there is none."""
    found = _publication(request, pk)
    if found is None:
        raise Publication.DoesNotExist
    return found


def lapsed(request, publication: Publication):
    """What of ``publication`` no longer holds today (``selectors.publication_lapsed``),
    read once per request: the list's page shows it, so its validators follow it."""
    return _once(request, ("lapsed", publication.pk),
                 lambda: selectors.publication_lapsed(publication))


def detail_etag(request, pk: int, fmt: str = "page") -> str | None:
    found = _publication(request, pk)
    if found is None:
        return None  # the view answers 404
    if fmt == "json":  # the canonical export is the list as published, signed: fixed
        return _tag("p", pk, fmt, found.digest[:16], get_language())
    gone = lapsed(request, found)
    if fmt != "page":  # the CSV and XLSX say each lapsed entry's standing, as the page does
        # (and their words change with the exports' wording: a copy of an older wording is
        # not the file this one would send)
        return _tag("p", pk, fmt, found.digest[:16], get_language(), standing_key(gone),
                    exports.WORDING)
    return _tag("p", pk, fmt, found.digest[:16], get_language(), len(gone.entries),
                int(gone.as_of.timestamp()))


def detail_modified(request, pk: int, fmt: str = "page"):
    found = _publication(request, pk)
    if found is None:
        return None
    return found.published_at if fmt == "json" else lapsed(request, found).as_of


def standing_key(lapsed) -> str:
    """A short fingerprint of what of a list no longer holds (``lapsed``): each entry's
    row says its standing, so a page body kept in the cache is kept per standing."""
    if not lapsed.entries:
        return "0"
    text = ";".join(f"{e.position}:{e.status}:{e.since}" for e in lapsed.entries)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def list_page_body(publication: Publication, number: str | None, render,
                   standing: str = ""):
    """The body of page ``number`` of a published list (its entries and the changes since
    the previous list), from the cache, or ``render()`` and kept (``BODY_SECONDS``).

    The body is the same for everyone who reads that page in that language: the list is
    fixed once published. Rendered, it is about 40 ms of template work for 100 entries:
    under load (``make load``) the list pages were the second largest use of the server
    after the search. The key holds the list's digest and publication time as well as its
    id, so a list that replaced another's id (a database restored or rebuilt) never meets
    the other's body. A page number that is not plain digits is not kept: ``render`` then
    decides (a 400 for a page that does not exist, which is never kept either). The rows
    of entries that no longer hold say so (``standing``, from ``standing_key``, is in the
    key): a suspension, found by the page's ETag, is never answered from an older body."""
    number = number or "1"
    if not (number.isascii() and number.isdigit() and len(number) <= 9):  # not "²"
        return render()
    key = ":".join(["list-page", str(publication.pk), publication.digest[:16],
                    str(publication.published_at.timestamp()), get_language() or "",
                    str(int(number)), standing])
    # (rendered every time while the cache is unreachable: registry.caching)
    body = cached(key, lambda: str(render()), BODY_SECONDS)
    return mark_safe(body)  # noqa: S308 (rendered by our template, with its escaping)
