"""The published list's file formats, each produced as a stream of chunks.

The JSON export is the canonical form: its SHA-256 is the publication's digest,
so ``sha256(downloaded bytes)`` or ``sha256(canonical(json.loads(bytes)))``
verifies a copy. The CSV and XLSX are read from the same frozen entries: the fee
reference and cap beside each offering are those in force on the day of publication
(as the list page and the JSON show them), never today's, and no query is made per
entry. Their last column says, of each entry that no longer holds (suspended, revoked or
expired since publication: ``selectors.publication_lapsed``), its standing today, in the
words of the list's page; the signed JSON stays the list as published.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Iterable, Iterator

from django.utils import formats
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from registry import reference
from registry.models import Engagement, Person, Publication, grades_label
from registry.models.approvals import GRADE_FIRST, GRADE_LAST

CSV_BOM = "\ufeff"
# The CSV's and XLSX's wording: raised when what their cells say in a language changes (the
# category and the kind of person follow the reader's language since "w2"), so that a
# reader's copy of an older wording is not taken for this one (``conditional.detail_etag``).
WORDING = "w2"


def canonical(value) -> str:
    """The one JSON spelling digests are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def publication_header(publication: Publication) -> dict:
    return {
        "jurisdiction": {"code": publication.jurisdiction.code,
                         "name": publication.jurisdiction.name},
        "year": publication.year,
        "number": publication.number,
        "published_on": publication.published_on.isoformat(),
        "entry_count": publication.entry_count,
    }


def canonical_chunks(header: dict, entries: Iterable[dict]) -> Iterator[str]:
    """The canonical JSON of a publication, piece by piece.

    Equal to ``canonical({"entries": [...], "publication": header})``: "entries"
    sorts before "publication", so entries stream first without being held.
    """
    yield '{"entries":['
    for index, entry in enumerate(entries):
        yield ("," if index else "") + canonical(entry)
    yield '],"publication":' + canonical(header) + "}"


def json_stream(publication: Publication, entries: Iterable[dict]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for chunk in canonical_chunks(publication_header(publication), entries):
        buffer.append(chunk)
        size += len(chunk)
        if size > 64 * 1024:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()


def _columns() -> list[str]:
    # the grades come last: the columns before them keep the places they had for whoever
    # reads the files by position
    return [_("No."), _("Kind"), _("Name"), _("Unified social credit code"), _("Type of person"),
            _("Categories"), _("Offerings"), _("Reference fee per session (CNY)"),
            _("Fee cap per session (CNY)"), _("Valid from"), _("Valid until"),
            _("Grades the individual may teach"),
            _("Standing today (if no longer in force)")]


def standing_text(lapsed) -> str:
    """What the list's page says in the row of an entry that no longer holds (``lapsed``, a
    ``selectors.LapsedEntry``; registry/lists/_standing.html); empty for None."""
    if lapsed is None:
        return ""
    status = lapsed.get_status_display()
    if lapsed.since is None:
        return _("%(status)s: not to be engaged") % {"status": status}
    return _("%(status)s since %(since)s: not to be engaged") % {
        "status": status, "since": formats.date_format(lapsed.since, "DATE_FORMAT")}


def entry_grades(entry: dict) -> str:
    """The grades an individual's entry covers, as people read them ("1–3年级"); empty for an
    organization (its grades are its offerings'). An entry without grades was approved
    before grades were named: every grade (``Approval.grades``)."""
    if entry.get("kind") != "person":
        return ""
    low, high = entry.get("grades") or (GRADE_FIRST, GRADE_LAST)
    return str(grades_label((low, high)))


def _fee_in_force(offering: dict, key: str) -> str:
    """The reference fee or the cap that was in force for the offering's category when the
    list was published, as the entry froze it; "—" when none was (or, in a list published
    before references were kept, when none was recorded)."""
    reference = offering.get("fee_reference")
    return reference[key] if reference else "—"


def category_name(data: dict) -> str:
    """A category of a published entry (frozen as ``{"code", "name"}``: the list's digest is
    signed) in the reader's language: the registry's English name for its code when English
    is active and one is held, else the name as published (as the list's page names it:
    ``portal.list_category``)."""
    category = reference.category_by_code(str(data.get("code", "")))
    if category is not None and category.display_name != category.name:
        return category.display_name
    return data.get("name", "")


def person_kind_label(entry: dict) -> str:
    """An individual's kind (退休教师 …) in the reader's language, from the code the entry
    froze: the name frozen beside it is in the language of whoever published the list (the
    worker publishes in the administrator's language). Empty for an organization."""
    try:
        return str(Person.Kind(entry.get("person_kind")).label)
    except ValueError:
        return entry.get("person_kind_name", "")


class _Words:
    """What the rows of one export say besides the entries' own text (names, titles, codes),
    in the language active when the export starts, each translated once for the whole
    file (a list may hold 100,000 entries); category names are looked up once per code."""

    def __init__(self):
        self.kinds = {"organization": _("Organization"), "person": _("Individual")}
        self.between_categories = pgettext("list export: between categories", ", ")
        self.between_offerings = pgettext("list export: between offerings", "; ")
        self.offering = _("%(title)s (%(category)s, %(fee)s yuan per session)")
        # the frozen category names are the registry's own (``ServiceCategory.name``, in
        # Chinese): a Chinese reader reads them as published, with no query for the names
        self._as_published = (get_language() or "").startswith("zh")
        self._categories: dict[tuple[str, str], str] = {}

    def category(self, code: str, name: str) -> str:
        if self._as_published:
            return name
        key = (code, name)
        if key not in self._categories:
            self._categories[key] = category_name({"code": code, "name": name})
        return self._categories[key]


def _row(position: int, entry: dict, standing: dict | None = None,
         words: _Words | None = None) -> list:
    words = words or _Words()
    kind = words.kinds["organization" if entry["kind"] == "organization" else "person"]
    offerings = entry.get("offerings", [])
    # one value per offering, in the order of the Offerings column
    return [
        position, kind, entry["name"], entry.get("uscc", ""),
        person_kind_label(entry),
        words.between_categories.join(words.category(c.get("code", ""), c.get("name", ""))
                                      for c in entry["categories"]),
        words.between_offerings.join(words.offering % {
            "title": o["title"], "category": words.category(o.get("category", ""),
                                                            o.get("category_name", "")),
            "fee": o["fee_per_session"]} for o in offerings),
        words.between_offerings.join(_fee_in_force(o, "reference_fee") for o in offerings),
        words.between_offerings.join(_fee_in_force(o, "cap") for o in offerings),
        entry["valid_from"], entry["valid_until"], entry_grades(entry),
        standing_text((standing or {}).get(position)),
    ]


# A spreadsheet reads a CSV cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value):
    """A cell as text, never a formula: text that a spreadsheet would evaluate gets a
    leading apostrophe (OWASP's advice for CSV injection). Names and titles come from
    applicants; a public list must not carry their formulas to its readers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_stream(entries: Iterable[dict], standing: dict | None = None) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly.
    ``standing``: the entries that no longer hold, by position (``standing_text``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(CSV_BOM)
    writer.writerow(_columns())
    words = _Words()
    for position, entry in enumerate(entries, start=1):
        writer.writerow([_as_text(value) for value in _row(position, entry, standing, words)])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


# The rows above the table: the list's title, its publication date and digest, a blank row.
XLSX_HEADER_ROWS = 4
_DATE_COLUMNS = (9, 10)  # valid from, valid until
_MAX_WIDTH = 60
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_SERIALS_FROM = datetime.date(1900, 3, 1)  # before it, Excel's leap-year bug


def _display_width(value) -> int:
    """Roughly how many character cells a value takes in a spreadsheet: a Chinese character
    is two, everything else one."""
    text = str(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _wider(width: int, value) -> int:
    """``max(width, _display_width(value))``, counting the characters only when that can
    change the column (a value is at least its length and at most twice it wide) and the
    column is not already as wide as it may be: counting every cell's characters took a
    tenth of the 100,000-entry export."""
    length = len(str(value))
    if 2 * length <= width or width >= _MAX_WIDTH:
        return width
    return max(width, _display_width(value))


def xlsx_file(publication: Publication, entries: Iterable[dict],
              standing: dict | None = None):
    """An .xlsx in a temporary file; the caller streams and closes it.

    A bureau opens it in Excel or WPS: a header block names the list (title, publication
    date, SHA-256 digest), the column headings are bold, frozen and filterable, the dates
    are date cells, and each column is as wide as its content (capped).

    XlsxWriter in constant-memory mode writes each row out as it comes, so memory stays
    flat whatever the list's length (it wrote the 100k-entry list in 12 s where openpyxl's
    write-only mode took 19 s on the bench machine); the widths and the filter, known only
    at the end, are written with the sheet's header when the workbook closes. Text is
    always written as text: a provider's name or an offering's title that starts with "="
    must never become a formula in a reader's spreadsheet."""
    import xlsxwriter

    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    workbook = xlsxwriter.Workbook(spool, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    # A date cell is its serial number (days since 1899-12-30 in Excel's 1900 date system,
    # from 1900-03-01 on) with the date format: what write_datetime writes, without
    # building and converting a datetime for each of 200,000 cells (a list's dates are a
    # few hundred distinct days, each converted once).
    serials: dict[str, int | None] = {}

    def serial(value: str) -> int | None:
        if value not in serials:
            day = datetime.date.fromisoformat(value)
            serials[value] = ((day - _EXCEL_EPOCH).days if day >= _EXCEL_SERIALS_FROM
                              else None)
        return serials[value]

    title_format = workbook.add_format({"bold": True, "font_size": 14})
    label_format = workbook.add_format({"bold": True})
    heading_format = workbook.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1,
                                          "text_wrap": True, "valign": "top"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(f"{publication.year}-{publication.number}")
    columns = _columns()
    sheet.write_string(0, 0, str(publication), title_format)  # in the reader's language
    sheet.write_string(1, 0, _("Published on"), label_format)
    sheet.write_datetime(1, 1, datetime.datetime.combine(publication.published_on,
                                                         datetime.time()), date_format)
    sheet.write_string(2, 0, _("SHA-256 digest"), label_format)
    sheet.write_string(2, 1, publication.digest)
    heading_row = XLSX_HEADER_ROWS
    sheet.write_row(heading_row, 0, columns, heading_format)
    widths = [_display_width(c) for c in columns]
    row = heading_row
    words = _Words()
    for position, entry in enumerate(entries, start=1):
        row = heading_row + position
        for column, value in enumerate(_row(position, entry, standing, words)):
            if column in _DATE_COLUMNS and value:
                if (number := serial(value)) is not None:
                    sheet.write_number(row, column, number, date_format)
                else:
                    sheet.write_datetime(row, column, datetime.datetime.combine(
                        datetime.date.fromisoformat(value), datetime.time()), date_format)
                widths[column] = max(widths[column], 10)
                continue
            if isinstance(value, int):
                sheet.write_number(row, column, value)
            else:
                sheet.write_string(row, column, value)
            widths[column] = _wider(widths[column], value)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, min(width + 2, _MAX_WIDTH))
    sheet.freeze_panes(heading_row + 1, 0)
    sheet.autofilter(heading_row, 0, row, len(columns) - 1)
    workbook.close()
    spool.seek(0)
    return spool


def _settlement_columns() -> list[str]:
    return [_("Engagement No."), _("School"), _("Term"), _("Provider"), _("Offering"),
            _("Starts on"), _("Ends on"), _("Status"), _("Fee per session (CNY)"),
            _("Confirmed lessons"), _("Disputed lessons"), _("Unconfirmed lessons"),
            _("Amount due (CNY)"), _("Free places taught")]


def settlement_xlsx(engagements):
    """The settlement (据实结算) of each engagement — confirmed lessons × the agreed fee,
    free places taught — as an .xlsx in a temporary file the caller streams and closes.

    ``engagements`` is ``selectors.settlement_rows`` (plain values with lesson counts, read
    in chunks); rows are written in XlsxWriter's constant-memory mode, so memory stays flat
    however many engagements there are. Status labels are translated once, not per row."""
    import xlsxwriter

    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    workbook = xlsxwriter.Workbook(spool, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    sheet = workbook.add_worksheet(_("Settlement"))
    sheet.write_row(0, 0, _settlement_columns())
    labels = {value: str(label) for value, label in Engagement.Status.choices}
    for row, e in enumerate(engagements, start=1):
        confirmed = e.lessons.get("confirmed", 0)
        sheet.write_row(row, 0, [
            e.pk, e.school, e.term, e.provider, e.offering, e.starts_on.isoformat(),
            e.ends_on.isoformat(), labels.get(e.status, e.status), float(e.fee_per_session),
            confirmed, e.lessons.get("disputed", 0), e.lessons.get("recorded", 0),
            float(e.fee_per_session * confirmed), e.free_places_used,
        ])
    workbook.close()
    spool.seek(0)
    return spool
