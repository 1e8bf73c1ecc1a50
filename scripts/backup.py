"""Back up and restore the registry: the database and the document store, with a manifest.

    python scripts/backup.py backup  [DIR]    # default: var/backups/<UTC timestamp>
    python scripts/backup.py restore DIR     # into the DATABASE_URL and store configured now

A backup folder holds ``database.dump`` (pg_dump's custom format) or ``database.sqlite3``
(SQLite's online backup), ``documents/`` (every object of the document store, local or S3,
read through the same Django storage the application uses) and ``manifest.json`` (each
object's SHA-256). ``restore`` loads the database into the configured (empty) database,
writes the objects into the configured store, and then checks every Document row's SHA-256
against the restored bytes; any difference is reported and the exit status is 1.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump / pg_restore with fixed arguments
import sys
from pathlib import Path

CHUNK = 1024 * 1024


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _walk(storage, prefix: str = ""):
    directories, files = storage.listdir(prefix)
    for name in files:
        yield f"{prefix}{name}"
    for directory in directories:
        yield from _walk(storage, f"{prefix}{directory}/")


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program (the server's major version or newer)."""
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def _pg_env(settings_dict: dict) -> dict:
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _pg_args(settings_dict: dict) -> list[str]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    return args


def backup_database(connection, target: Path) -> Path:
    """pg_dump (custom format) or SQLite's online backup of ``connection`` into ``target``."""
    if connection.vendor == "postgresql":
        path = target / "database.dump"
        subprocess.run(  # noqa: S603 - fixed arguments
            [_tool("pg_dump"), "-Fc", "--no-owner", *_pg_args(connection.settings_dict),
             "-f", str(path), connection.settings_dict["NAME"]],
            check=True, env=_pg_env(connection.settings_dict), capture_output=True)
        return path
    path = target / "database.sqlite3"
    connection.ensure_connection()
    destination = sqlite3.connect(path)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    return path


def backup_documents(storage, target: Path) -> list[dict]:
    """Copy every object of ``storage`` under ``target/documents``; return the manifest."""
    manifest = []
    for key in sorted(_walk(storage)):
        path = target / "documents" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with storage.open(key, "rb") as source, open(path, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        manifest.append({"key": key, "sha256": digest.hexdigest(), "size": path.stat().st_size})
    return manifest


def backup(target: Path, *, connection=None, storage=None) -> Path:
    """A complete backup into ``target`` (created); returns it."""
    from django.core.files.storage import storages
    from django.db import connection as default_connection

    connection = connection or default_connection
    storage = storage or storages["documents"]
    target.mkdir(parents=True, exist_ok=False)
    database = backup_database(connection, target)
    objects = backup_documents(storage, target)
    manifest = {"created": datetime.datetime.now(datetime.UTC).isoformat(),
                "database": database.name, "vendor": connection.vendor, "objects": objects}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return target


def restore_database(source: Path, settings_dict: dict, vendor: str) -> None:
    """Load the backup's database into the (empty) database ``settings_dict`` names."""
    if vendor == "postgresql":
        subprocess.run(  # noqa: S603 - fixed arguments
            [_tool("pg_restore"), "--no-owner", "--exit-on-error", *_pg_args(settings_dict),
             "-d", settings_dict["NAME"], str(source / "database.dump")],
            check=True, env=_pg_env(settings_dict), capture_output=True)
        return
    shutil.copyfile(source / "database.sqlite3", settings_dict["NAME"])


def restore_documents(source: Path, storage) -> int:
    """Write every backed-up object into ``storage`` under its own key; returns how many."""
    manifest = json.loads((source / "manifest.json").read_text())
    for entry in manifest["objects"]:
        path = source / "documents" / entry["key"]
        with open(path, "rb") as handle:
            if _sha256(handle) != entry["sha256"]:
                raise ValueError(f"backup damaged: {entry['key']}")
        if storage.exists(entry["key"]):
            storage.delete(entry["key"])
        with open(path, "rb") as handle:
            saved = storage.save(entry["key"], handle)
        if saved != entry["key"]:
            raise ValueError(f"stored under another name: {entry['key']} → {saved}")
    return len(manifest["objects"])


def verify(rows, storage) -> list[str]:
    """``rows`` of (storage_key, sha256): every one must be in ``storage`` with that hash."""
    problems = []
    for key, expected in rows:
        try:
            with storage.open(key, "rb") as handle:
                actual = _sha256(handle)
        except (FileNotFoundError, OSError):
            problems.append(f"missing: {key}")
            continue
        if actual != expected:
            problems.append(f"hash differs: {key}")
    return problems


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import storages
    from django.db import connection

    if len(argv) < 2 or argv[1] not in ("backup", "restore"):
        print(__doc__)
        return 2
    if argv[1] == "backup":
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = Path(argv[2]) if len(argv) > 2 else Path(settings.VAR_DIR) / "backups" / stamp
        backup(target)
        print(f"backup written to {target}")
        return 0
    source = Path(argv[2])
    manifest = json.loads((source / "manifest.json").read_text())
    connection.close()
    restore_database(source, connection.settings_dict, manifest["vendor"])
    restored = restore_documents(source, storages["documents"])
    from documents.models import Document

    problems = verify(Document.objects.values_list("storage_key", "sha256"),
                      storages["documents"])
    print(f"restored the database and {restored} objects; {len(problems)} problem(s)")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
