"""The CJK font every PDF of the registry embeds (``REGISTRY_PDF_FONT``, WenQuanYi Micro
Hei by default): the contracts' papers, the entry permits, the settlements and the
generated forms. Registered with reportlab once per path; when it is missing, the PDF is
refused with ``FontMissing`` (a 503 that says why), not a server error."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from registry.errors import Unavailable

FONT = "RegistryCJK"

logger = logging.getLogger(__name__)


class FontMissing(Unavailable):
    """The PDFs' font cannot be read: no PDF can be made until it is installed."""

    message = _("PDFs cannot be made on this server right now: the Chinese font they "
                "need is not installed. Nothing was changed; please try again later or "
                "tell the registry's administrators.")


def cjk_font() -> str:
    """The registered name of the PDFs' font; ``FontMissing`` when it cannot be read."""
    return _registered(str(settings.REGISTRY_PDF_FONT))


@functools.cache  # a failure is not cached: once the font is installed, the next PDF works
def _registered(path: str) -> str:
    try:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    except (OSError, TTFError) as error:
        logger.error("The PDFs' CJK font cannot be read (REGISTRY_PDF_FONT=%s): %s; "
                     "install Debian's fonts-wqy-microhei.", path, error)
        raise FontMissing from error
    return FONT
