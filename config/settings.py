"""Settings for the after-school provider registry.

Everything that differs between a laptop and production is read from the
environment (django-environ); every variable is listed with its default in
README.md. The defaults are the "embedded" setup: SQLite, private local file
storage and a file-system Celery broker under ``var/``, so that a new user
needs no server at all.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("REGISTRY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- core -----------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # Only for local use; production must set its own (check --deploy flags this one).
    default="django-insecure-local-only-7f1c0e6b2a9d4e58b3c1f0a2d4e6b8c0",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "viewflow",
    "viewflow.workflow",
    # hardening: login throttling, one-time passwords, Content-Security-Policy
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "registry",
    "accounts",
    "documents",
    "workflows",
    "bench",  # generate_load, the load behind `make bench` (no models, no urls)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # throttles the public and bounds objection bodies; before CSRF, whose check
    # of a form reads the body
    "config.limits.LimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.security.RequireTwoFactorMiddleware",
    "config.security.OutOfRangeIdMiddleware",
    # a 503 page that says why, for what the request needs and cannot reach (registry.errors)
    "config.errors.UnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # after it: the document storage's origin (S3) in every HTML page's frame-src
    "documents.delivery.DocumentViewerFrameMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # last, as django-axes requires: it turns a lockout into the 429 page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out username/address before any password is checked
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # guardian, remembering its answers on the user object (registry/backends.py)
    "registry.backends.CachingObjectPermissionBackend",
]
# guardian's W001 looks for its own backend by name; registry.backends subclasses it.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The covering indexes on approvals (INCLUDE, for PostgreSQL's index-only scans) are
    # plain indexes on SQLite; the warning said so on every command of `make run`.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None  # the public never holds object permissions
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)

# --- cache ----------------------------------------------------------------
# Throttle counts live here: production sets CACHE_URL (or REDIS_URL) to a Redis database so
# that every server process shares them; the embedded default is per process.
CACHES = {"default": env.cache_url(
    "CACHE_URL", default=env.str("REDIS_URL", default="") or "locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default="registry"))
# seconds a process leaves a Redis cache alone after it failed to answer (config.cache)
CACHE_UNREACHABLE_PAUSE = env.float("CACHE_UNREACHABLE_PAUSE", default=5.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool, not per call
# Sessions in the database (config/sessions), also in the cache only where all processes share it
SESSION_ENGINE = ("config.sessions.cached" if CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] in (
    "RedisCache", "PyMemcacheCache", "PyLibMCCache") else "config.sessions")

# --- language and time ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own catalogue in <app>/locale (makemessages run inside the app).
LOCALE_PATHS: list = []
TIME_ZONE = "Asia/Shanghai"
# forms accept dates as written in China (2026年9月1日) as well as ISO (config/formats/)
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# --- static and documents -------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True

DOCUMENTS_BUCKET = env.str("DOCUMENTS_BUCKET", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
DOCUMENTS_LOCAL_ROOT = VAR_DIR / "documents"
if DOCUMENTS_BUCKET:
    from config.s3 import bounded_transfer_config

    _documents_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_BUCKET,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": env.str("AWS_DEFAULT_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            # SigV4 presigned URLs carry their lifetime (X-Amz-Expires) and work in every region.
            "signature_version": "s3v4",
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "transfer_config": bounded_transfer_config(),
        },
    }
else:
    # Private: there is no MEDIA_URL for it; files leave only through a
    # permission-checked view.
    _documents_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DOCUMENTS_LOCAL_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _documents_storage,
    "documents": _documents_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DOCUMENTS_MAX_UPLOAD_BYTES = env.int("DOCUMENTS_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DOCUMENTS_ALLOWED_TYPES = env.list(
    "DOCUMENTS_ALLOWED_TYPES", default=["application/pdf", "image/jpeg", "image/png"]
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Images declaring more pixels than this are refused (a decompression bomb).
DOCUMENTS_MAX_IMAGE_PIXELS = env.int("DOCUMENTS_MAX_IMAGE_PIXELS", default=40_000_000)
# Lifetime of a presigned S3 download URL, in seconds (capped at 300 in code).
DOCUMENTS_DOWNLOAD_URL_SECONDS = env.int("DOCUMENTS_DOWNLOAD_URL_SECONDS", default=300)

# --- email ----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registry@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's public address: links in emails are written in full with it.
REGISTRY_SITE_URL = env.str("REGISTRY_SITE_URL", default="http://127.0.0.1:8000")

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Weekly re-read of every stored document against its recorded SHA-256.
    "documents-verify-weekly": {
        "task": "documents.tasks.verify_documents",
        "schedule": 7 * 24 * 60 * 60,
        "options": {"expires": 6 * 60 * 60},
    },
    # viewflow's timer dispatcher: the public notice (公示) ends through it.
    "workflow-timers": {"task": "workflows.tasks.fire_workflow_timers", "schedule": 60.0,
                        "options": {"expires": 55}},
    # The transactional outbox: notifications recorded but not yet emailed.
    "notification-emails": {"task": "workflows.tasks.send_notification_emails",
                            "schedule": 300.0, "options": {"expires": 290}},
    "overdue-corrections": {"task": "workflows.tasks.reject_overdue_corrections",
                            "schedule": 3600.0, "options": {"expires": 3500}},
    # The credential sweep: reminders, expiry suspensions, grace expiries, anniversaries.
    # (RECERT_SWEEP_EVERY_SECONDS replaces the nightly run by an interval, for tests and demos.)
    "credential-sweep": {"task": "workflows.tasks.credential_sweep",
                         "schedule": env.float("RECERT_SWEEP_EVERY_SECONDS", default=0)
                         or crontab(hour=1, minute=30),
                         "options": {"expires": 6 * 3600}},
    # After approval: term-end reminders, the yearly record re-query and its
    # deadline; daily, each idempotent.
    "term-reminders": {"task": "registry.tasks.term_reminders",
                       "schedule": crontab(hour=2, minute=0), "options": {"expires": 6 * 3600}},
    "term-evaluations": {"task": "registry.tasks.term_evaluations",
                         "schedule": crontab(hour=2, minute=5),
                         "options": {"expires": 6 * 3600}},
    "requeries-open": {"task": "registry.tasks.requeries_open",
                       "schedule": crontab(hour=2, minute=10), "options": {"expires": 6 * 3600}},
    "requeries-overdue": {"task": "registry.tasks.requeries_overdue",
                          "schedule": crontab(hour=2, minute=20),
                          "options": {"expires": 6 * 3600}},
    "review-cases": {"task": "workflows.tasks.review_cases_tick",
                     "schedule": crontab(hour=0, minute=30), "options": {"expires": 6 * 3600}},
    # A background job the worker did not pick up (the broker was down when it was sent, or
    # the message was lost) is sent again; a job waiting too long fails with a message; a
    # running job whose worker died (no heartbeat) is started again, or failed at last.
    "background-jobs-resend": {"task": "registry.tasks.background_jobs_resend",
                               "schedule": 60.0, "options": {"expires": 55}},
    "expiry-reminders": {"task": "workflows.tasks.deliver_reminders",
                         "schedule": env.float("RECERT_DELIVER_EVERY_SECONDS", default=600.0),
                         "options": {"expires": 590}},
}

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal tokens (Authorization: Bearer); first, so that a request without
        # credentials is answered 401 with a Bearer challenge. No HTTP Basic: it made the
        # server hash a password on every request.
        "config.security.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # the public, per address, in the cache (config/limits.py; rates below)
    "DEFAULT_THROTTLE_CLASSES": ["config.limits.AnonymousThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    # an id beyond the integer range is a 404, not a 500 (config/security.py)
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "After-school provider registry API",
    "DESCRIPTION": "课后服务外聘机构与人员遴选登记系统 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from this site: browsers here may not reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # several models have a "status" with their own choices: each its own enum name
    "ENUM_NAME_OVERRIDES": {
        "BlacklistProposalStatusEnum": "registry.models.BlacklistProposal.Status",
        "RecheckStatusEnum": "registry.models.RecheckRequest.Status",
        "EngagementStatusEnum": "registry.models.Engagement.Status",
        # a review case's intended action and its decision are one choice set
        "ReviewCaseActionEnum": "workflows.models.ReviewCaseProcess.Action",
        # what a review case's evidence file was given with (the answer, the rectification)
        "ReviewCaseEvidenceStepEnum": "workflows.models.ReviewCaseEvidence.Step",
        # what a background job does (publish, export, the yearly list review)
        "BackgroundJobKindEnum": "registry.models.BackgroundJob.Kind",
    },
}

# --- security (production turns these on with DJANGO_HTTPS=true) ---------
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- hardening: reliability and security -------------------------------------
# The translated messages of config/security.py live in config/locale.
LOCALE_PATHS.append(BASE_DIR / "config" / "locale")
TEMPLATES[0]["DIRS"].append(BASE_DIR / "config" / "templates")
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# (from any addresses), or from one address (for any usernames), that username or address
# is refused for AXES_COOLOFF_HOURS: 429 with Retry-After and a translated message. A
# locked attempt is refused before any password is hashed.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Proxies in front of the site (each appends to X-Forwarded-For): the lockout and the
# throttles take the client's address from the right place (config/limits.py).
PROXY_COUNT = env.int("PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
AXES_CLIENT_IP_CALLABLE = "config.limits.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Anonymous requests per client address (config/limits.py), "<n>/<second|minute|hour|day>":
# sign-in POSTs (the lockout above counts failures; this counts attempts), objections
# filed, list exports (each builds a whole file), /healthz (it asks the database, storage
# and broker) and everything else the public reaches.
REGISTRY_THROTTLE_RATES = {
    "anon": env.str("THROTTLE_ANON", default="120/min"),
    "sign-in": env.str("THROTTLE_SIGN_IN", default="20/min"),
    "objection": env.str("THROTTLE_OBJECTION", default="10/hour"),
    "export": env.str("THROTTLE_EXPORT", default="20/hour"),
    "health": env.str("THROTTLE_HEALTH", default="120/min"),
}
# Seconds a refused client (429) is held before its answer: no CPU, but a client that waits
# for each answer (a script) then sends at most a few requests a second (config/limits.py).
REGISTRY_REFUSAL_DELAY = env.float("REGISTRY_REFUSAL_DELAY", default=1.0)
# At most this many threads of a process hold refused clients at once (the rest are answered
# at once): below the threads of a worker (GUNICORN_THREADS, config/gunicorn.py; half of
# them by default) so that a flood of connections cannot take them all.
REGISTRY_REFUSAL_HOLDERS = env.int(
    "REGISTRY_REFUSAL_HOLDERS", default=max(1, env.int("GUNICORN_THREADS", default=4) // 2))
# Objections (the one form the public sends files with): the whole body, refused from its
# Content-Length before it is read (413), and its evidence files, counted as they arrive.
OBJECTION_MAX_FILES = env.int("OBJECTION_MAX_FILES", default=3)
OBJECTION_MAX_FILE_BYTES = env.int("OBJECTION_MAX_FILE_BYTES", default=10 * 1024 * 1024)
OBJECTION_MAX_BODY_BYTES = env.int(
    "OBJECTION_MAX_BODY_BYTES",
    default=OBJECTION_MAX_FILES * OBJECTION_MAX_FILE_BYTES + 256 * 1024)
# Personal API tokens (accounts/): lifetime in days when none is asked for, the most that
# may be asked for, and how many one user may hold at once.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=20)
# Sign-up: how long the emailed confirmation link works (seconds), and how long
# an organization's invitation to a colleague or a person on its roster works (days).
SIGNUP_CONFIRM_MAX_AGE = env.int("SIGNUP_CONFIRM_MAX_AGE", default=48 * 3600)
PROVIDER_INVITATION_DAYS = env.int("PROVIDER_INVITATION_DAYS", default=14)
# Two-factor login (django-otp, TOTP). Bureau staff may enrol at /accounts/2fa/; the roles
# listed here (approver, admin, clerk, expert) must pass it before anything else.
REGISTRY_REQUIRE_2FA_FOR = env.list("REGISTRY_REQUIRE_2FA_FOR", default=[])
OTP_TOTP_ISSUER = "课后服务登记系统"
# Content-Security-Policy (django-csp). Scripts only from this site (Swagger UI's own
# initialiser is served as a file by its split view, so no inline script runs anywhere).
# Styles need 'unsafe-inline': viewflow's Material templates carry ~80 style="" attributes
# and a <style> theme block; nonces and hashes do not cover style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        # the task page's document viewer (an iframe of this site); on S3 every HTML page
        # adds exactly the bucket's origin (documents.delivery.DocumentViewerFrameMiddleware)
        "frame-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- the registry's own policy settings -----------------------------------
# A queued background job not picked up by the worker is sent again this many minutes after
# its last message (right away, after a minute, when the send failed); one still waiting
# after REGISTRY_JOB_GIVE_UP_HOURS fails, saying so, rather than run a day late.
REGISTRY_JOB_RESEND_MINUTES = env.int("REGISTRY_JOB_RESEND_MINUTES", default=10)
REGISTRY_JOB_GIVE_UP_HOURS = env.int("REGISTRY_JOB_GIVE_UP_HOURS", default=24)
# A running job whose worker gave no sign of life (start, progress) for this many minutes is
# taken for dead (the worker was killed mid-job) and started again; after
# REGISTRY_JOB_RUN_ATTEMPTS starts it fails, saying so. Runners report progress well within it.
REGISTRY_JOB_STALE_MINUTES = env.int("REGISTRY_JOB_STALE_MINUTES", default=15)
REGISTRY_JOB_RUN_ATTEMPTS = env.int("REGISTRY_JOB_RUN_ATTEMPTS", default=3)
# Share of a school's after-school projects that may be external (DOMAIN.md).
REGISTRY_EXTERNAL_PROJECT_CAP = env.float("REGISTRY_EXTERNAL_PROJECT_CAP", default=0.30)
# Default approval term, in days; never past the earliest expiry of a document.
REGISTRY_APPROVAL_TERM_DAYS = env.int("REGISTRY_APPROVAL_TERM_DAYS", default=365)
# A provider's satisfaction in a school term (mean share on the rubric, every school's
# ratings of that term) below which the bureau gets a review case.
REGISTRY_SATISFACTION_THRESHOLD = env.float("REGISTRY_SATISFACTION_THRESHOLD", default=0.80)
# After approval. The yearly dates (MM-DD) a bureau keeps unless it sets its own
# (registry.BureauCalendar): the annual review (年审) opens before the term ends; every
# person in service gets the yearly record re-query (入职查询).
REGISTRY_ANNUAL_REVIEW_DATE = env.str("REGISTRY_ANNUAL_REVIEW_DATE", default="06-01")
REGISTRY_REQUERY_DATE = env.str("REGISTRY_REQUERY_DATE", default="03-01")
# A re-query not done within this many days suspends the person's approval, with notice.
REGISTRY_REQUERY_DAYS = env.int("REGISTRY_REQUERY_DAYS", default=30)
# The provider and its schools are reminded this many days before the term ends.
REGISTRY_TERM_REMINDER_DAYS = env.list("REGISTRY_TERM_REMINDER_DAYS", cast=int,
                                       default=[60, 30, 7])
# A positive annual review renews an approval this many times (1+1), then a new selection.
REGISTRY_MAX_RENEWALS = env.int("REGISTRY_MAX_RENEWALS", default=1)
# Results per page of school search (web and API).
REGISTRY_SEARCH_PAGE_SIZE = env.int("REGISTRY_SEARCH_PAGE_SIZE", default=20)
# The Ed25519 key that signs entry permits and published list exports: a PEM file (PKCS#8).
# Unset, a development key is made once under var/; production sets it (and keeps it).
REGISTRY_SIGNING_KEY_FILE = env.str("REGISTRY_SIGNING_KEY_FILE",
                                    default=str(VAR_DIR / "signing-key.pem"))
# The largest photo a person (or their administrator) may upload for their entry permits;
# it is re-encoded smaller, without EXIF, before it is stored.
REGISTRY_PERMIT_PHOTO_MAX_BYTES = env.int("REGISTRY_PERMIT_PHOTO_MAX_BYTES",
                                          default=5 * 1024 * 1024)
# The CJK font embedded in the PDFs (agreement, safety letter, permits, settlement, the
# generated application form and commitment letter). Without it, those PDFs cannot be made:
# `manage.py check` warns (registry.checks), and `make install` installs Debian's package.
REGISTRY_PDF_FONT = env.str("REGISTRY_PDF_FONT",
                            default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# --- selection workflows (issue: Workflows) ---------------------------------
WORKFLOW_EXPERT_PANEL_SIZE = env.int("WORKFLOW_EXPERT_PANEL_SIZE", default=3)
# Flag a case when its experts' weighted totals differ by more than this (points of 100).
WORKFLOW_SCORE_SPREAD_THRESHOLD = env.int("WORKFLOW_SCORE_SPREAD_THRESHOLD", default=20)
WORKFLOW_NOTICE_WORKING_DAYS = env.int("WORKFLOW_NOTICE_WORKING_DAYS", default=5)
WORKFLOW_CORRECTION_DAYS = env.int("WORKFLOW_CORRECTION_DAYS", default=10)
WORKFLOW_MAX_CORRECTION_ROUNDS = env.int("WORKFLOW_MAX_CORRECTION_ROUNDS", default=2)
# Documents must stay valid at least this long after an application to count as complete.
WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS = env.int("WORKFLOW_MIN_DOCUMENT_VALIDITY_DAYS", default=30)
# The record query (入职查询) is repeated yearly, so individual approvals last at most this.
WORKFLOW_INDIVIDUAL_APPROVAL_DAYS = env.int("WORKFLOW_INDIVIDUAL_APPROVAL_DAYS", default=365)

# --- review cases: working days on the official calendar ---------------------
# The provider may answer a notice of intended action within this many working days.
REVIEW_RESPONSE_WORKING_DAYS = env.int("REVIEW_RESPONSE_WORKING_DAYS", default=5)
# ... and ask once for a re-examination (复核) of the decision within this many.
REVIEW_REEXAMINATION_WORKING_DAYS = env.int("REVIEW_REEXAMINATION_WORKING_DAYS", default=15)

# --- re-certification (issue: Re-certification) ------------------------------
# Reminders go out this many days before a credential expires (each exactly once).
RECERT_REMINDER_DAYS = env.list("RECERT_REMINDER_DAYS", cast=int, default=[60, 30, 7])
# After suspension for an expired credential, the renewal must arrive within this.
RECERT_GRACE_DAYS = env.int("RECERT_GRACE_DAYS", default=30)
# Daily digest to bureau clerks lists credentials expiring within this many days.
RECERT_DIGEST_DAYS = env.int("RECERT_DIGEST_DAYS", default=30)
# Bounded work per sweep run; the rest is picked up by the next run.
RECERT_SWEEP_BATCH = env.int("RECERT_SWEEP_BATCH", default=1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pikepdf (the upload inspection) says at INFO that it loaded; its warnings still show
    "loggers": {"pikepdf": {"level": "WARNING"}},
}

VIEWFLOW = {
    "AUTOREGISTER": False,
    # the registry's date field (2026-09-01 or 2026年9月1日) in viewflow's task forms too
    "WIDGET_RENDERERS": {
        "registry.widgets.DateInput": "config.renderers.PortalDateRenderer",
        # checkboxes as the page's own (viewflow's component for them is not in its JS)
        "django.forms.CheckboxSelectMultiple": "config.renderers.PortalCheckboxesRenderer",
    },
}
