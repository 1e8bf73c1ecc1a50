"""Django system checks (``manage.py check``, and every command that runs the checks, such
as ``migrate`` and ``runserver``): what the registry needs from its machine."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning as CheckWarning


def pdf_font_check(app_configs=None, **kwargs) -> list[CheckWarning]:
    """The CJK font every PDF embeds (``REGISTRY_PDF_FONT``): without it the contracts'
    papers, the entry permits, the settlements and the generated forms cannot be made. A
    warning, not an error: the rest of the site works."""
    font = Path(settings.REGISTRY_PDF_FONT)
    if font.is_file():
        return []
    return [CheckWarning(
        f"The CJK font for PDFs is missing: {font}.",
        hint="Install Debian's fonts-wqy-microhei (apt-get install fonts-wqy-microhei; "
             "`make install` does it when it runs as root), or set REGISTRY_PDF_FONT to "
             "a TrueType font with Chinese glyphs.",
        id="registry.W001")]
