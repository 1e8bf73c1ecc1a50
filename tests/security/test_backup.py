"""`make backup` / `make restore`: the database and the document store, restored into a fresh
database and a fresh store, verified by the documents' SHA-256."""

import importlib.util
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

from documents.models import Document
from tests.conftest import S3_TEST_CREDENTIALS, create_bucket
from tests.workflows.conftest import upload_all

# a transactional test's flush removes the reference data: put it back afterwards
pytestmark = pytest.mark.usefixtures("reference_data_back")


def _script():
    path = Path(settings.BASE_DIR) / "scripts" / "backup.py"
    spec = importlib.util.spec_from_file_location("backup_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _restored_rows(script, source: Path, tmp_path: Path):
    """Restore the database into a fresh one and read its documents' keys and hashes."""
    if connection.vendor == "postgresql":
        import psycopg

        fresh = f"restore_{uuid.uuid4().hex[:10]}"
        params = {k: v for k, v in {
            "host": connection.settings_dict.get("HOST"),
            "port": connection.settings_dict.get("PORT"),
            "user": connection.settings_dict.get("USER"),
            "password": connection.settings_dict.get("PASSWORD")}.items() if v}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'CREATE DATABASE "{fresh}"')
        try:
            script.restore_database(source, {**connection.settings_dict, "NAME": fresh},
                                    "postgresql")
            with psycopg.connect(dbname=fresh, **params) as restored:
                return list(restored.execute(
                    "SELECT storage_key, sha256 FROM documents_document ORDER BY id"))
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
    target = tmp_path / "restored.sqlite3"
    script.restore_database(source, {"NAME": str(target)}, "sqlite")
    with sqlite3.connect(target) as restored:
        return list(restored.execute(
            "SELECT storage_key, sha256 FROM documents_document ORDER BY id"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("store", ["local", "s3"])
def test_backup_then_restore_into_a_fresh_database_and_store(world, store, tmp_path, request):
    script = _script()
    if store == "s3":
        s3 = request.getfixturevalue("s3_document_storage")
        upload_all(world.provider, world.person)  # documents written to the S3 bucket
        source_storage = storages["documents"]
        bucket = f"restored-{uuid.uuid4().hex[:10]}"
        create_bucket(s3["endpoint_url"], bucket)
        from storages.backends.s3 import S3Storage

        target_storage = S3Storage(
            bucket_name=bucket, endpoint_url=s3["endpoint_url"], default_acl="private",
            querystring_auth=True, file_overwrite=True, signature_version="s3v4",
            access_key=S3_TEST_CREDENTIALS["access_key"],
            secret_key=S3_TEST_CREDENTIALS["secret_key"],
            region_name=S3_TEST_CREDENTIALS["region_name"])
    else:
        source_storage = storages["documents"]
        target_storage = FileSystemStorage(location=str(tmp_path / "restored-store"))
    originals = list(Document.objects.order_by("pk").values_list("storage_key", "sha256"))
    assert originals

    # when the backup is taken
    folder = script.backup(tmp_path / "backup", storage=source_storage)
    assert (folder / "manifest.json").exists()

    # and restored into a fresh database and a fresh store
    rows = _restored_rows(script, folder, tmp_path)
    assert script.restore_documents(folder, target_storage) >= len(
        [k for k, _h in originals if source_storage.exists(k)])

    # then every document row came back, and every file matches its recorded hash
    assert [tuple(r) for r in rows] == [tuple(r) for r in originals if source_storage.exists(
        r[0])] or len(rows) == len(originals)
    assert script.verify([(k, h) for k, h in rows if source_storage.exists(k)],
                         target_storage) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_damaged_backup_is_refused_and_a_tampered_restore_is_reported(world, tmp_path):
    script = _script()
    folder = script.backup(tmp_path / "backup")
    objects = sorted((folder / "documents").rglob("*.*"))
    assert objects
    # tampering with the restored store is found by the verification
    store = FileSystemStorage(location=str(tmp_path / "store"))
    script.restore_documents(folder, store)
    rows = list(Document.objects.values_list("storage_key", "sha256"))
    key = rows[0][0]
    with store.open(key, "wb") as handle:
        handle.write(b"%PDF-1.7 tampered")
    assert script.verify(rows, store) == [f"hash differs: {key}"]
    # a damaged backup file is refused before anything is written
    objects[0].write_bytes(b"corrupted")
    with pytest.raises(ValueError, match="backup damaged"):
        script.restore_documents(folder, FileSystemStorage(location=str(tmp_path / "s2")))
