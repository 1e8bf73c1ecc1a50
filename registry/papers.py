"""PDFs made from an engagement: the service agreement, the safety responsibility letter
(安全责任书), the entry permits (with a QR code of the verification address) and the
settlement statement. reportlab draws them; the CJK font is the machine's WenQuanYi Micro
Hei (``registry.fonts``), embedded in each file (subset)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from registry.fonts import cjk_font


class _Writer:
    """Lines of text down A4 pages, wrapped by width, new page when full."""

    def __init__(self, title: str):
        self.buffer = io.BytesIO()
        self.font = cjk_font()
        self.canvas = canvas.Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.width, self.height = A4
        self.margin = 20 * mm
        self.y = self.height - self.margin

    def line(self, text: str, size: float = 11, gap: float = 4) -> None:
        limit = self.width - 2 * self.margin
        current = ""
        for char in str(text):
            if pdfmetrics.stringWidth(current + char, self.font, size) > limit:
                self._draw(current, size, gap)
                current = ""
            current += char
        self._draw(current, size, gap)

    def _draw(self, text: str, size: float, gap: float) -> None:
        if self.y < self.margin + size:
            self.page()
        self.canvas.setFont(self.font, size)
        self.canvas.drawString(self.margin, self.y - size, text)
        self.y -= size + gap

    def space(self, height: float = 8) -> None:
        self.y -= height

    def page(self) -> None:
        self.canvas.showPage()
        self.y = self.height - self.margin

    def qr(self, data: str, size: float = 45 * mm) -> None:
        if self.y < self.margin + size:
            self.page()
        widget = QrCodeWidget(data, barLevel="M")
        x1, y1, x2, y2 = widget.getBounds()
        drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, self.canvas, self.margin, self.y - size)
        self.y -= size + 6

    def photo(self, data: bytes, width: float = 30 * mm) -> None:
        """A photo (already re-encoded on upload), ``width`` wide, its proportions kept."""
        image = ImageReader(io.BytesIO(data))
        w, h = image.getSize()
        height = width * h / w
        if self.y < self.margin + height:
            self.page()
        self.canvas.drawImage(image, self.margin, self.y - height, width, height)
        self.y -= height + 6

    def bytes(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def _provider(engagement) -> str:
    if engagement.organization_id:
        offering = f" · {engagement.offering.title}" if engagement.offering_id else ""
        return f"{engagement.organization.name}{offering}"
    return engagement.person.name


def _facts(w: _Writer, engagement, roster: Iterable) -> None:
    term = engagement.term
    category = engagement.taught_category
    w.line(_("School: %(name)s") % {"name": engagement.school.name})
    w.line(_("Provider: %(name)s") % {"name": _provider(engagement)})
    w.line(_("Approval relied on: No. %(number)s (%(jurisdiction)s)")
           % {"number": engagement.approval_id, "jurisdiction": engagement.approval.jurisdiction})
    w.line(_("Term: %(term)s, %(start)s – %(end)s")
           % {"term": term.name, "start": engagement.starts_on, "end": engagement.ends_on})
    if category is not None:
        w.line(_("Category: %(category)s") % {"category": category})
    w.line(_("Fee per session: ¥%(fee)s; sessions: %(sessions)s; places: %(places)s")
           % {"fee": engagement.fee_per_session, "sessions": engagement.sessions,
              "places": engagement.places})
    w.space()
    w.line(_("Roster (only these people may enter the school under this engagement):"))
    for member in roster:
        w.line(f"  · {member.person.name}  {member.person.masked_id}  "
               + _("individual approval No. %(number)s") % {"number": member.approval_id})


def _signatures(w: _Writer) -> None:
    w.space(24)
    w.line(_("For the school (signature and seal): ____________________   Date: __________"))
    w.space(16)
    w.line(_("For the provider (signature and seal): ____________________   Date: __________"))


def _paper(engagement, roster: Iterable, *, title, heading, clauses) -> bytes:
    """A paper of the engagement: its heading and number, the facts, the clauses and the
    two sides' signature lines."""
    w = _Writer(title)
    w.line(heading, size=18, gap=10)
    w.line(_("Engagement No. %(number)s") % {"number": engagement.pk}, size=9)
    w.space()
    _facts(w, engagement, roster)
    w.space()
    for clause in clauses:
        w.line(clause)
    _signatures(w)
    return w.bytes()


def agreement_pdf(engagement, roster: Iterable) -> bytes:
    """The service agreement, to print, sign by both sides and upload back."""
    return _paper(engagement, roster, title=_("After-school service agreement"),
                  heading=_("After-school service agreement"), clauses=(
        _("1. The provider teaches the agreed non-academic content only; no subject "
          "tutoring and no new lessons."),
        _("2. Only the people on the roster, each holding a valid individual approval, "
          "teach under this agreement; a change of person needs a new roster entry."),
        _("3. The school pays per lesson actually given and confirmed (据实结算), at the fee "
          "per session above."),
        _("4. A suspension or revocation of the provider's or a person's approval ends "
          "their right to enter the school at once."),
    ))


def safety_letter_pdf(engagement, roster: Iterable) -> bytes:
    """The safety responsibility letter (安全责任书)."""
    return _paper(engagement, roster, title=_("Safety responsibility letter"),
                  heading=_("Safety responsibility letter (安全责任书)"), clauses=(
        _("1. The provider is responsible for the pupils' safety during its lessons, and "
          "for the conduct of the people it sends."),
        _("2. Everyone entering shows their entry permit at the gate; the school checks it."),
        _("3. Any accident or incident is reported to the school at once."),
        _("4. The school keeps the site safe and names a teacher on duty for each slot."),
    ))


def permits_pdf(permits: Iterable[dict]) -> bytes:
    """One page per entry permit: masked name, provider, school, term, and the QR code of
    the verification address (which carries the signed token)."""
    w = _Writer(_("Entry permits"))
    first = True
    for permit in permits:
        if not first:
            w.page()
        first = False
        w.line(_("Entry permit (入校证)"), size=20, gap=12)
        w.line(permit["masked_name"], size=28, gap=14)
        if permit.get("photo_bytes"):  # only with the person's consent (selectors.permits_of)
            w.photo(permit["photo_bytes"])
        w.line(_("Provider: %(name)s") % {"name": permit["provider"]})
        w.line(_("School: %(name)s") % {"name": permit["school"]})
        w.line(_("Term: %(term)s, %(start)s – %(end)s")
               % {"term": permit["term"], "start": permit["starts_on"],
                  "end": permit["ends_on"]})
        w.space()
        w.qr(permit["url"])
        w.line(_("Scan to check: the answer is live (valid, suspended, revoked or expired)."),
               size=9)
    if first:
        w.line(_("No permits."))
    return w.bytes()


def settlement_pdf(statement: dict) -> bytes:
    """The settlement statement of one engagement (据实结算)."""
    engagement = statement["engagement"]
    w = _Writer(_("Settlement statement"))
    w.line(_("Settlement statement (据实结算)"), size=18, gap=10)
    w.line(_("Engagement No. %(number)s · made %(when)s")
           % {"number": engagement.pk, "when": timezone.localdate()}, size=9)
    w.space()
    w.line(_("School: %(name)s") % {"name": engagement.school.name})
    w.line(_("Provider: %(name)s") % {"name": _provider(engagement)})
    w.line(_("Term: %(term)s, %(start)s – %(end)s")
           % {"term": engagement.term.name, "start": engagement.starts_on,
              "end": engagement.ends_on})
    w.space()
    for lesson in statement["lessons"]:
        w.line(f"{lesson.taught_on}  " + _("period %(n)d") % {"n": lesson.period}
               + f"  {lesson.teacher.person.name}  "
               + _("%(n)d pupils") % {"n": lesson.pupils_present}
               + f"  {lesson.get_status_display()}", size=10, gap=3)
    w.space()
    w.line(_("Confirmed lessons: %(n)d × ¥%(fee)s = ¥%(total)s")
           % {"n": statement["confirmed"], "fee": engagement.fee_per_session,
              "total": statement["amount"]}, size=13)
    w.line(_("Disputed lessons (not paid until settled): %(n)d") % {"n": statement["disputed"]})
    w.line(_("Free places taught (免费名额): %(n)d") % {"n": engagement.free_places_used})
    _signatures(w)
    return w.bytes()
