"""The system check that tells a new machine it lacks the CJK font every PDF embeds."""

from django.core import checks
from django.test import override_settings


def test_a_missing_pdf_font_is_a_warning_with_how_to_install_it(tmp_path):
    missing = tmp_path / "no-such-font.ttc"

    with override_settings(REGISTRY_PDF_FONT=str(missing)):
        found = [m for m in checks.run_checks() if m.id == "registry.W001"]

    assert len(found) == 1
    assert found[0].level == checks.WARNING
    assert str(missing) in found[0].msg
    assert "fonts-wqy-microhei" in found[0].hint


def test_a_font_that_is_there_raises_nothing(tmp_path):
    font = tmp_path / "font.ttc"
    font.write_bytes(b"\0")

    with override_settings(REGISTRY_PDF_FONT=str(font)):
        assert [m for m in checks.run_checks() if m.id == "registry.W001"] == []
