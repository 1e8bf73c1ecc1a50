"""The objection form's limits, for the browser to check before it sends anything.

The server refuses an objection over these limits (``config.limits``), the whole body from
its length before reading it; a refusal then costs the sender a round trip, and one of the
whole body a page without the form. The same numbers, written into the form, let
``workflows/objection.js`` say so in the form, before sending, with what was typed kept."""

from django import template
from django.conf import settings

from registry.formatting import megabytes

register = template.Library()

@register.simple_tag
def objection_limits() -> dict:
    """The evidence limits the server applies to an objection, as numbers and as words."""
    return {
        "files": settings.OBJECTION_MAX_FILES,
        "file_bytes": settings.OBJECTION_MAX_FILE_BYTES,
        "body_bytes": settings.OBJECTION_MAX_BODY_BYTES,
        "file_size": megabytes(settings.OBJECTION_MAX_FILE_BYTES),
        "body_size": megabytes(settings.OBJECTION_MAX_BODY_BYTES),
    }
