"""A photo on the entry permit, with the person's consent: uploaded by the person (or their
organization's administrator while that consent stands), stripped of EXIF and turned
upright, shown at /verify/<token> only while the consent stands; never an ID number."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from registry import selectors, services
from registry.models import AuditEvent, PermitPhoto
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.factories import UserFactory


def _jpeg_with_exif(width=40, height=20) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90°" (orientation 6) and names a camera."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned
    exif[0x010F] = "SecretCam"  # make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _upload(data: bytes, name="me.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def holder(contract):
    """The first coach with their own account, on an active engagement's roster."""
    coach = contract["coaches"][0]
    coach.user = UserFactory()
    coach.organization = contract["org"]
    coach.save(update_fields=["user", "organization"])
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    token = next(p["token"] for p in selectors.permits_of(engagement)
                 if p["member"].person_id == coach.pk)
    return coach, token, engagement


@pytest.mark.django_db
def test_the_person_uploads_with_consent_and_the_gate_sees_it_without_exif(
        contract, holder, client):
    coach, token, _ = holder
    assert 'id="permit-photo"' not in client.get(f"/verify/{token}").content.decode()
    # without consent the person's own upload is refused
    with pytest.raises(ValidationError):
        services.permit_photo_upload(actor=coach.user, person=coach,
                                     file=_upload(_jpeg_with_exif()))
    photo = services.permit_photo_upload(actor=coach.user, person=coach,
                                         file=_upload(_jpeg_with_exif()), consent=True)
    with storages["documents"].open(photo.storage_key, "rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (20, 40)  # turned upright
    assert not image.getexif() and b"SecretCam" not in data
    page = client.get(f"/verify/{token}").content.decode()
    assert 'id="permit-photo"' in page and coach.id_number not in page
    served = client.get(f"/verify/{token}/photo.jpg")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == data
    api = client.get(f"/api/v1/permits/verify/{token}/").json()
    assert api["photo_url"].endswith(f"/verify/{token}/photo.jpg")
    # printed on the permit too
    client.force_login(contract["user"])
    printed = client.get(f"/registry/engagements/{holder[2].pk}/permits.pdf").content
    assert b"/Subtype /Image" in printed
    client.logout()
    assert list(AuditEvent.objects.filter(action__startswith="person.photo").values_list(
        "action", flat=True).order_by("pk")) == ["person.photo_consent", "person.photo_upload"]
    # withdrawn: not shown, not served, deleted
    services.permit_photo_consent(actor=coach.user, person=coach, give=False)
    assert 'id="permit-photo"' not in client.get(f"/verify/{token}").content.decode()
    assert client.get(f"/verify/{token}/photo.jpg").status_code == 404
    assert client.get(f"/api/v1/permits/verify/{token}/").json().get("photo_url") is None
    assert PermitPhoto.objects.get(person=coach).storage_key == ""


@pytest.mark.django_db
def test_the_administrator_uploads_only_on_the_persons_recorded_consent(
        contract, holder, client):
    coach, token, _ = holder
    administrator = UserFactory()
    contract["org"].administrator = administrator
    contract["org"].save(update_fields=["administrator"])
    with pytest.raises(ValidationError) as refused:
        services.permit_photo_upload(actor=administrator, person=coach,
                                     file=_upload(_jpeg_with_exif()), consent=True)
    assert refused.value.code == "photo_no_consent"
    # nobody else, and the administrator cannot consent for the person
    with pytest.raises(PermissionDenied):
        services.permit_photo_upload(actor=contract["provider"], person=coach,
                                     file=_upload(_jpeg_with_exif()))
    with pytest.raises(PermissionDenied):
        services.permit_photo_consent(actor=administrator, person=coach, give=True)
    assert not PermitPhoto.objects.filter(person=coach).exclude(storage_key="").exists()
    services.permit_photo_consent(actor=coach.user, person=coach, give=True)
    client.force_login(administrator)
    response = client.post(f"/registry/portal/people/{coach.pk}/photo/",
                           {"action": "upload", "photo": _upload(_jpeg_with_exif())})
    assert response.status_code == 302
    photo = PermitPhoto.objects.get(person=coach)
    assert photo.shown and photo.uploaded_by == administrator
    client.logout()
    assert client.get(f"/verify/{token}/photo.jpg").status_code == 200


@pytest.mark.django_db
def test_a_bad_or_oversized_photo_is_refused_and_nothing_is_stored(
        contract, holder, client, settings):
    coach, _, _ = holder
    client.force_login(coach.user)
    not_an_image = client.post(f"/api/v1/people/{coach.pk}/permit-photo/", {
        "photo": _upload(b"%PDF-1.4 not a photo", "x.jpg"), "consent": "true"},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert not_an_image.status_code == 400, not_an_image.content
    settings.REGISTRY_PERMIT_PHOTO_MAX_BYTES = 100
    too_large = client.post(f"/api/v1/people/{coach.pk}/permit-photo/", {
        "photo": _upload(_jpeg_with_exif(400, 400)), "consent": "true"})
    assert too_large.status_code == 400
    assert not PermitPhoto.objects.filter(person=coach).exclude(storage_key="").exists()
    settings.REGISTRY_PERMIT_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    made = client.post(f"/api/v1/people/{coach.pk}/permit-photo/", {
        "photo": _upload(_jpeg_with_exif()), "consent": "true"})
    assert made.status_code == 201 and made.json()["shown"] is True
    assert client.get(f"/api/v1/people/{coach.pk}/permit-photo/").json()["consented"] is True


@pytest.mark.django_db
def test_a_revoked_permit_shows_no_photo(contract, holder, client):
    coach, token, engagement = holder
    services.permit_photo_upload(actor=coach.user, person=coach,
                                 file=_upload(_jpeg_with_exif()), consent=True)
    member = engagement.roster.get(person=coach)
    services.engagement_roster_remove(actor=contract["user"], member=member, reason="调岗")
    page = client.get(f"/verify/{token}").content.decode()
    assert 'data-status="revoked"' in page and 'id="permit-photo"' not in page
    assert client.get(f"/verify/{token}/photo.jpg").status_code == 404
