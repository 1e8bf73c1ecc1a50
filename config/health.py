"""``GET /healthz``: can this process reach its database, document storage and broker?"""

import logging

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_storage() -> None:
    storage = storages["documents"]
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # S3: ask the endpoint, not a local cache
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    else:
        storage.listdir("")


def _check_broker() -> None:
    # The same URL and options the Celery app is configured with (both read settings).
    with Connection(settings.CELERY_BROKER_URL,
                    transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                    connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "storage": _check_storage, "broker": _check_broker}


@never_cache
@require_GET
def healthz(request):
    result, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check()
            result[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            logger.warning("health check %s failed: %s", name, exc.__class__.__name__)
            result[name] = "error"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": result},
        status=200 if healthy else 503,
    )
