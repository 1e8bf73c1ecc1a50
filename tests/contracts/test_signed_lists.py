"""Each published list's JSON export is signed with the registry key; the README's one
command verifies a downloaded copy (and refuses an altered one)."""

import shutil
import subprocess

import pytest

from registry import services
from tests.registry.builders import approve, bureau_admin, organization

# the README's command, word for word
VERIFY = ("openssl dgst -sha256 -binary list.json > list.json.sha256 && "
          "openssl pkeyutl -verify -pubin -inkey registry-signing-key.pem -rawin "
          "-in list.json.sha256 -sigfile list.json.sig")


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_downloaded_export_verifies_with_the_public_key_and_a_changed_one_does_not(
        client, tmp_path):
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋", "arts", "25")),
            categories=("arts",))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    base = f"/registry/lists/p/{publication.pk}/export.json"
    (tmp_path / "list.json").write_bytes(b"".join(client.get(base).streaming_content))
    (tmp_path / "list.json.sig").write_bytes(client.get(base + ".sig").content)
    (tmp_path / "registry-signing-key.pem").write_bytes(
        client.get("/keys/registry-signing-key.pem").content)

    def verify():
        return subprocess.run(["sh", "-c", VERIFY], cwd=tmp_path, capture_output=True,  # noqa: S603,S607
                              text=True, check=False)

    checked = verify()
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout
    altered = (tmp_path / "list.json").read_bytes().replace("围棋".encode(), "象棋".encode())
    (tmp_path / "list.json").write_bytes(altered)
    assert verify().returncode != 0
    assert client.get("/registry/lists/p/999999/export.json.sig").status_code == 404
