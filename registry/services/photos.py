"""A person's photo on their entry permits, shown at the gate only with their consent.

The consent is the person's own (given in their own account, and withdrawn there at any
time). The photo is uploaded by the person, or by their organization's administrator on
their behalf, but only while that consent stands. The image is checked (JPEG or PNG, size
and pixel limits), turned upright by its EXIF orientation, re-encoded as a JPEG without any
metadata (no EXIF: no camera, place or time), shrunk to a permit's size, and kept in the
private document storage under a random key with its SHA-256, like every document.
Withdrawing the consent deletes the stored image.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from registry.models import PermitPhoto, Person
from registry.services.core import audit_record

logger = logging.getLogger(__name__)
PHOTO_BOX = (480, 640)  # a permit's photo: enough to recognise a face at the gate
FORMATS = ("JPEG", "PNG")


def _storage():
    return storages["documents"]


def _is_self(actor, person: Person) -> bool:
    return actor is not None and actor.is_authenticated and person.user_id == actor.pk


def _is_administrator(actor, person: Person) -> bool:
    return (actor is not None and actor.is_authenticated and person.organization_id is not None
            and person.organization.administrator_id == actor.pk)


def may_manage_photo(actor, person: Person) -> bool:
    """The person themself, or their organization's administrator."""
    return _is_self(actor, person) or _is_administrator(actor, person)


def _locked_row(person: Person) -> PermitPhoto:
    PermitPhoto.objects.get_or_create(person=person)
    return PermitPhoto.objects.select_for_update().get(person=person)


def _delete_after_commit(key: str) -> None:
    if not key:
        return

    def delete():
        try:
            _storage().delete(key)
        except OSError:  # the row no longer points at it; an orphan is harmless
            logger.warning("could not delete permit photo %s", key, exc_info=True)

    transaction.on_commit(delete)


def photo_image_clean(file) -> bytes:
    """The uploaded image, upright and re-encoded as a small JPEG with no metadata; refused
    (nothing stored) unless it is a JPEG or PNG within the size and pixel limits."""
    limit = int(settings.REGISTRY_PERMIT_PHOTO_MAX_BYTES)
    size = getattr(file, "size", None)
    data = file.read(limit + 1)
    if (size is not None and size > limit) or len(data) > limit:
        raise ValidationError({"photo": ValidationError(
            _("The photo is larger than %(mb)d MB."), code="photo_too_large",
            params={"mb": limit // (1024 * 1024)})})
    if not data:
        raise ValidationError({"photo": _("The photo is empty.")}, code="photo_empty")
    max_pixels = int(settings.DOCUMENTS_MAX_IMAGE_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise ValidationError({"photo": _("The photo must be a JPEG or PNG image.")},
                                      code="photo_type")
            if image.width * image.height > max_pixels:
                raise ValidationError({"photo": _("The photo has too many pixels.")},
                                      code="photo_pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail(PHOTO_BOX)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({"photo": _("The photo must be a JPEG or PNG image.")},
                              code="photo_type") from None
    out = io.BytesIO()
    # a fresh image from the pixels alone: no EXIF, ICC, XMP or comment is carried over
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


@transaction.atomic
def permit_photo_consent(*, actor, person: Person, give: bool) -> PermitPhoto:
    """The person gives (or withdraws) their consent to show their photo on their permits
    and at the gate. Only the person, in their own account. Withdrawing hides the photo at
    once and deletes it."""
    if not _is_self(actor, person):
        raise PermissionDenied(_("Only the person, in their own account, consents to show "
                                 "their photo."))
    row = _locked_row(person)
    now = timezone.now()
    if give:
        if row.consented:
            return row
        row.consent_given_at, row.consent_given_by, row.consent_withdrawn_at = now, actor, None
        row.save(update_fields=["consent_given_at", "consent_given_by",
                                "consent_withdrawn_at"])
        audit_record(actor=actor, action="person.photo_consent", target=person,
                     from_state="", to_state="given")
        return row
    if not row.consented and not row.storage_key:
        return row
    old_key = row.storage_key
    row.consent_withdrawn_at = now
    row.storage_key, row.sha256, row.size, row.uploaded_at = "", "", 0, None
    row.save(update_fields=["consent_withdrawn_at", "storage_key", "sha256", "size",
                            "uploaded_at"])
    audit_record(actor=actor, action="person.photo_withdraw", target=person,
                 from_state="given", to_state="withdrawn")
    _delete_after_commit(old_key)
    return row


@transaction.atomic
def permit_photo_upload(*, actor, person: Person, file, consent: bool = False) -> PermitPhoto:
    """Store ``person``'s permit photo (replacing the previous one). The person uploads it
    themself (``consent=True`` records their consent with it), or their organization's
    administrator does, only while the person's consent is recorded. Refused otherwise,
    and for anything but a JPEG or PNG within the limits; nothing stored then."""
    if not may_manage_photo(actor, person):
        raise PermissionDenied(_("Only the person or their organization's administrator may "
                                 "upload the photo."))
    row = _locked_row(person)
    if not row.consented:
        if _is_self(actor, person) and consent:
            row.consent_given_at, row.consent_given_by = timezone.now(), actor
            row.consent_withdrawn_at = None
            audit_record(actor=actor, action="person.photo_consent", target=person,
                         to_state="given")
        elif _is_self(actor, person):
            raise ValidationError({"consent": _("Agree to show the photo on your permits, or "
                                                "do not upload one.")}, code="photo_consent")
        else:
            raise ValidationError(
                _("%(name)s has not consented to show a photo on their permits: they give "
                  "that consent in their own account first."), code="photo_no_consent",
                params={"name": person.name})
    content = photo_image_clean(file)
    key = f"photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"
    stored = _storage().save(key, ContentFile(content))
    old_key = row.storage_key
    row.storage_key, row.sha256 = stored, hashlib.sha256(content).hexdigest()
    row.size, row.uploaded_by, row.uploaded_at = len(content), actor, timezone.now()
    try:
        row.save()
        audit_record(actor=actor, action="person.photo_upload", target=person,
                     data={"sha256": row.sha256, "size": row.size,
                           "on_behalf": not _is_self(actor, person)})
    except BaseException:  # no row points at the new object: remove it
        _storage().delete(stored)
        raise
    _delete_after_commit(old_key)
    return row


def permit_photo_bytes(photo: PermitPhoto | None) -> bytes | None:
    """The stored image of a photo that may be shown (printed on a permit), or None; a
    stored object gone missing prints no photo rather than no permit."""
    if photo is None or not photo.shown:
        return None
    try:
        with _storage().open(photo.storage_key, "rb") as handle:
            return handle.read()
    except OSError:
        logger.warning("permit photo %s is missing from storage", photo.storage_key)
        return None


def permit_photo_open(photo: PermitPhoto):
    """The stored image of a photo the caller has been allowed to see (an open file)."""
    return _storage().open(photo.storage_key, "rb")


__all__ = ["may_manage_photo", "permit_photo_bytes", "permit_photo_consent", "permit_photo_open",
           "permit_photo_upload", "photo_image_clean"]
