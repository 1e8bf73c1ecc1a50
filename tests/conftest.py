import pytest


def pytest_configure(config):
    from django.conf import settings

    # Fast by default: hashing passwords properly is the slowest thing in a test run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # sessions in the database, as without a shared cache: with REDIS_URL set, settings pick
    # the cached store, which over each process's own cache above would be the set-up the
    # settings call unsafe (tests that want it set it themselves)
    settings.SESSION_ENGINE = "config.sessions"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The permission matrix and the API fuzzing ask thousands of questions as the public from
    # one address: the throttles' own tests (tests/security/test_throttling.py) set the
    # rates they test.
    settings.REGISTRY_THROTTLE_RATES = dict.fromkeys(settings.REGISTRY_THROTTLE_RATES,
                                                     "1000000/min")
    settings.REGISTRY_REFUSAL_DELAY = 0  # (a refused client is held a second: not in tests)


def pytest_collection_modifyitems(config, items):
    """The tests marked ``heavy`` first, the rest in their order. pytest-xdist (``make
    test``: ``--dist loadscope --no-loadscope-reorder``) hands out modules and classes in
    this order: by its default order (most tests first) the permission matrix's four
    one-test shards, of two to three minutes each, came last, and one worker ran them
    while the other had nothing left (seven minutes of a 22-minute PostgreSQL run).

    The other tests of the security world (``sides``, tests/shared_data.py) come right
    after them: on each worker they follow one another, and the world is built once."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None and
               "sides" not in getattr(item, "fixturenames", ()))


# --- the reference data after a transactional test ----------------------------------------
# The migrations load the reference data (jurisdictions, bureaus, categories). A transactional
# test (``transaction=True, serialized_rollback=True``) flushes every table when it ends and
# only the next *transactional* test puts them back. In one process pytest-django runs the
# transactional tests last, so nothing noticed; under pytest-xdist a worker may take another
# module after one, and its tests found no bureau. So the copy Django keeps for
# serialized_rollback (taken when the test database was made) is put back before the next
# non-transactional test, outside its transaction.
_FLUSHED = pytest.StashKey[bool]()


def _db_marker(item):
    """How ``item`` uses the database: "transactional", "atomic" (in a transaction rolled
    back at its end) or None."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names or (marker is not None and (
            marker.kwargs.get("transaction") or (marker.args and marker.args[0]))):
        return "transactional"
    if marker is not None or "db" in names:
        return "atomic"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from pytest_django.plugin import blocking_manager_key

    config = item.config
    # a world built once for the tests that use it (tests/shared_data.py) is rolled back
    # before a test that does not: no other test sees its rows
    if blocking_manager_key in config.stash:
        from tests.shared_data import release_unused

        release_unused(item, config.stash[blocking_manager_key])
    if not config.stash.get(_FLUSHED, False) or _db_marker(item) != "atomic":
        return
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(contents)
    config.stash[_FLUSHED] = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield
    if _db_marker(item) == "transactional":
        item.config.stash[_FLUSHED] = True


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans). A test request in English
    activates English for the thread, and LocaleMiddleware never deactivates it: the next
    test's service messages would otherwise come out in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    """Each test reads the categories and jurisdictions afresh (registry.reference): the
    process keeps them between requests, and a test's rolled-back rows send no signal."""
    from registry import reference

    reference.clear()
    yield
    reference.clear()


@pytest.fixture(autouse=True)
def _private_document_storage(settings, tmp_path):
    """Each test stores documents in its own private folder, never under var/."""
    root = tmp_path / "documents"
    root.mkdir()
    local = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None},
    }
    settings.STORAGES = {**settings.STORAGES, "default": local, "documents": local}
    return root


@pytest.fixture
def on_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    return connection


@pytest.fixture
def nanchang(db):
    from registry.models import Jurisdiction

    return Jurisdiction.objects.get(code="360100")


@pytest.fixture
def donghu(db):
    from registry.models import Jurisdiction

    return Jurisdiction.objects.get(code="360102")


@pytest.fixture
def nanchang_bureau(db):
    from registry.models import Bureau

    return Bureau.objects.get(jurisdiction__code="360100")


# --- S3 through a real S3-protocol server on loopback ------------------------
# moto's server mode, in a thread, on a free port of 127.0.0.1; boto3 reaches it
# over HTTP exactly as it reaches S3 in production (AWS_S3_ENDPOINT_URL).
# boto3 is never patched in-process: every S3 test talks to this server.

S3_TEST_CREDENTIALS = {"access_key": "testing", "secret_key": "testing",
                       "region_name": "us-east-1"}


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_s3_server():
    """Start a moto S3 server on a free loopback port; returns (server, endpoint URL)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def s3_storage_config(endpoint_url: str, bucket: str) -> dict:
    """A STORAGES entry for django-storages against ``endpoint_url``, as in production."""
    from config.s3 import bounded_transfer_config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "transfer_config": bounded_transfer_config(),
            **S3_TEST_CREDENTIALS,
        },
    }


def create_bucket(endpoint_url: str, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3", endpoint_url=endpoint_url, aws_access_key_id=S3_TEST_CREDENTIALS["access_key"],
        aws_secret_access_key=S3_TEST_CREDENTIALS["secret_key"],
        region_name=S3_TEST_CREDENTIALS["region_name"],
    )
    client.create_bucket(Bucket=bucket)


@pytest.fixture(scope="session")
def s3_server():
    """One S3-protocol server (moto, server mode) for the session; yields its endpoint URL."""
    server, endpoint_url = start_s3_server()
    yield endpoint_url
    server.stop()


@pytest.fixture
def s3_document_storage(settings, s3_server):
    """Point STORAGES["documents"] at a fresh private bucket on the loopback S3 server."""
    import uuid

    bucket = f"documents-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_server, bucket)
    config = s3_storage_config(s3_server, bucket)
    settings.STORAGES = {**settings.STORAGES, "documents": config}
    settings.DOCUMENTS_BUCKET = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_server
    return {"endpoint_url": s3_server, "bucket": bucket}
