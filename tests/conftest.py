import pytest


def pytest_configure(config):
    from django.conf import settings

    # Fast by default: hashing passwords properly is the slowest thing in a test run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False


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
