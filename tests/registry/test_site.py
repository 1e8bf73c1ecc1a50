import json
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok",
                               "checks": {"database": "ok", "storage": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert response.json()["checks"]["database"] == "ok"


def test_check_deploy_with_production_values_prints_no_warnings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "true",
        "DJANGO_ALLOWED_HOSTS": "registry.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "REGISTRY_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_home_page_is_chinese_by_default_and_english_on_switch(client, django_user_model):
    user = django_user_model.objects.create_user("someone", password="pw-for-tests-1")
    client.force_login(user)
    response = client.get("/workspace/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/workspace/"})
    assert "Workspace" in client.get("/workspace/").content.decode()


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/workspace/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_api_schema_and_reference_data(client, django_assert_max_num_queries):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/jurisdictions/" in json.loads(schema.content)["paths"]
    with django_assert_max_num_queries(3):
        listing = client.get("/api/v1/jurisdictions/?level=city")
    assert listing.status_code == 200 and listing.json()["count"] == 12
    assert client.get("/api/v1/categories/").json()["count"] >= 6
    assert client.get("/api/v1/me/").status_code == 401  # not signed in: Bearer challenge
