"""Settings shared by every environment.

Everything that differs between machines comes from the environment through the
one `env` reader below; `.env.example` lists every variable. The environment
modules (local, test, production) only change defaults and security switches.
"""

from datetime import timedelta
from pathlib import Path

import environ
from botocore.config import Config as BotocoreConfig

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's `.env` beside manage.py is read if present; real environment
# variables always win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its `createsuperuser` (which also fills
    # the name fields) takes precedence over Django's.
    "users",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "storages",
    "core",
    "petshop",
    "dogs",
    "recharges",
    "githubproxy",
    "books",
]

MIDDLEWARE = [
    # Outermost, so that it sees every response, including Django's own error pages.
    "core.middleware.JSONErrorResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the body limit: a method the route does not have is 405 whatever the body.
    "core.middleware.UnsupportedMethodMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The admin's messages live in its session: cheaper per request than the default
# cookie-then-session storage, which signs a cookie for every API request too.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# Routes answer with and without a trailing slash (core.urls.TrailingSlashTwinPattern);
# redirecting would break clients that POST or PUT.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------

VAR_DIR = Path(env("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates its file but not the folder; on a fresh clone `var/` is not there yet.
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the worker writes; IMMEDIATE makes
    # write transactions take the lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # A SELECT 1 before a persistent connection's first query in a request, so a
    # database restart costs no failed requests; about 15% of a cheap read, so
    # core.db.postgresql skips it for a connection seen working less than
    # DATABASE_HEALTH_CHECK_DELAY seconds ago (0: before every request).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "core.db.postgresql"
        DATABASES["default"]["HEALTH_CHECK_DELAY"] = env.float("DATABASE_HEALTH_CHECK_DELAY", default=1.0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache ------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="svc"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A Redis outage degrades caching and throttling instead of
                # failing every request; /readyz still reports it.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # Shared by every gunicorn worker and the Celery worker, unlike local memory,
    # so throttles and conditional-request caches hold across processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# petshop's setting, read by petshop.cache: how long `GET /pet/{petId}` keeps a
# pet's rendered JSON; every write to the pet invalidates it at once. 0 turns
# that cache off.
PET_CACHE_SECONDS = env.int("PET_CACHE_SECONDS", default=300)

# --- Files ------------------------------------------------------------------

MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = env("MEDIA_URL", default="/media/")
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"

USE_S3 = env.bool("USE_S3", default=False)
if USE_S3:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Bounded waits: an unreachable endpoint fails a request (and /readyz)
            # in seconds instead of hanging a worker thread on botocore's 60 s defaults.
            "client_config": BotocoreConfig(
                connect_timeout=env.float("AWS_S3_CONNECT_TIMEOUT", default=3),
                read_timeout=env.float("AWS_S3_READ_TIMEOUT", default=30),
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
else:
    # Location and URL come from MEDIA_ROOT and MEDIA_URL.
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Request limits ---------------------------------------------------------

# Bodies larger than this get 413 before they are read (RequestBodyLimitMiddleware);
# upload views raise their own limit to the upload size plus multipart overhead.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a missing token answers 401 with `WWW-Authenticate: Bearer`.
        "users.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.LinkHeaderPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "core.metadata.APIMetadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="1000/hour"),
        "user": env("THROTTLE_USER_RATE", default="10000/hour"),
        "token": env("THROTTLE_TOKEN_RATE", default="30/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Pet shop, dogs, recharges, GitHub proxy and books API",
    "DESCRIPTION": (
        "One service for five domains. JSON in and out; errors are "
        '`{"detail", "code"}` plus `errors` for validation failures. Lists are plain '
        "arrays paginated with `page`/`per_page`, a `Link` header and `X-Total-Count`. "
        "Every route answers with and without a trailing slash. Writes need a JWT "
        "from `POST /api/token/` sent as `Authorization: Bearer <access>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_error_responses",
        "core.openapi.document_query_parameters",
    ],
}

# --- Celery -----------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Beside the database (not the project root), so that one folder holds the
    # whole state of an embedded installation.
    _db = DATABASES["default"]
    _state_dir = (
        Path(_db["NAME"]).parent
        if _db["ENGINE"] == "django.db.backends.sqlite3" and _db["NAME"] != ":memory:"
        else VAR_DIR
    )
    _broker_dir = _state_dir / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_broker_dir / "queue"),
            "data_folder_out": str(_broker_dir / "queue"),
            "control_folder": str(_broker_dir / "control"),
            "processed_folder": str(_broker_dir / "processed"),
            "store_processed": False,
        }
    )
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    # The soft limit lets a task clean up before the hard limit kills it.
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be positive and below CELERY_TASK_TIME_LIMIT.")
# The retry policy of core.tasks.ReliableTask (read there; Celery has no such
# settings): retries of transient failures, exponential backoff with full
# jitter, capped at this many seconds between tries (about 3 minutes in all).
CELERY_TASK_MAX_RETRIES = env.int("CELERY_TASK_MAX_RETRIES", default=8)
CELERY_TASK_RETRY_BACKOFF_MAX = env.int("CELERY_TASK_RETRY_BACKOFF_MAX", default=60)
# Redis redelivers a message that stayed unacknowledged longer than this, and
# with late acknowledgement a message stays unacknowledged while it waits for
# its retry countdown (up to the backoff cap), waits for a free pool process
# (behind at most one running task: prefetch multiplier 1) and runs (up to the
# hard limit): core.tasks.longest_unacknowledged_seconds. A shorter timeout
# runs a slow task twice at once. Each retry is a new message, so the whole
# retry chain does not have to fit. Twice that bound, so a late worker is not
# mistaken for a lost one; derived, so raising a limit moves it along.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int(
    # Set only by tests that kill a worker and wait for Redis to redeliver its
    # message (dogs/tests/test_worker_kill.py); leave it unset elsewhere.
    "CELERY_BROKER_VISIBILITY_TIMEOUT",
    default=2 * (CELERY_TASK_RETRY_BACKOFF_MAX + 2 * CELERY_TASK_TIME_LIMIT),
)
# A task that failed or hit its time limit is acknowledged, not redelivered: it
# would fail again, forever. Its failure is kept in the result backend.
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
# On a lost broker connection the unacknowledged messages of running tasks go
# back to the queue anyway; cancelling those tasks keeps two copies from running.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Seconds a task's state stays readable at GET /api/tasks/{id}. Expired rows are
# deleted by Celery's daily `celery.backend_cleanup`, which celery beat runs.
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=7 * 24 * 3600)
# celery beat (`celery -A config beat`, or `worker -B` in the embedded run) keeps
# its schedule's state here, beside the rest of the installation's state.
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Outside services -------------------------------------------------------

DOG_CEO_API_URL = env("DOG_CEO_API_URL", default="https://dog.ceo/api")
FILES_SERVICE_URL = env("FILES_SERVICE_URL", default="")
GITHUB_API_URL = env("GITHUB_API_URL", default="https://api.github.com")
GITHUB_TOKEN = env("GITHUB_TOKEN", default="")

# Every outbound call goes through core.http.HttpClient, which reads these
# (each client may override them). 3.05 s: slightly above a multiple of 3 s,
# TCP's retransmission window, as requests' documentation advises.
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=3.05)
OUTBOUND_READ_TIMEOUT = env.float("OUTBOUND_READ_TIMEOUT", default=10.0)
OUTBOUND_USER_AGENT = env("OUTBOUND_USER_AGENT", default="petshop-dogs-service/1.0")
# Larger answers are refused (502) while they stream in; a dog picture must fit
# the upload limit of the files service it is posted to.
OUTBOUND_MAX_BYTES = env.int("OUTBOUND_MAX_BYTES", default=UPLOAD_MAX_BYTES)
# In-request retries of connection errors, timeouts and 502/503/504 (idempotent methods).
OUTBOUND_RETRIES = env.int("OUTBOUND_RETRIES", default=2)
# Same-host redirects followed; a redirect to another host is never followed.
OUTBOUND_MAX_REDIRECTS = env.int("OUTBOUND_MAX_REDIRECTS", default=3)

# --- GitHub proxy -----------------------------------------------------------

# githubproxy.clients calls GitHub inside a web request: a read timeout shorter
# than the other outbound calls' and one retry (the connect timeout is
# OUTBOUND_CONNECT_TIMEOUT). GitHub's answers are kept this long with their
# ETag, to be revalidated with If-None-Match (a 304 costs no rate limit).
GITHUB_READ_TIMEOUT = env.float("GITHUB_READ_TIMEOUT", default=5.0)
GITHUB_RETRIES = env.int("GITHUB_RETRIES", default=1)
GITHUB_ETAG_CACHE_SECONDS = env.int("GITHUB_ETAG_CACHE_SECONDS", default=7 * 24 * 3600)
# How long a rendered `from_local=true` list is kept (githubproxy.cache; every
# change to the stored rows drops it at once); 0 turns the cache off.
GITHUBPROXY_LOCAL_CACHE_SECONDS = env.int("GITHUBPROXY_LOCAL_CACHE_SECONDS", default=300)

# --- Books ------------------------------------------------------------------

# Reads of a book by its magic code (and every other route naming a code) per
# client (user, or address when anonymous): `books_lookup`, on top of the
# anon/user rates. At 60 a minute, one client guessing without pause expects
# its first hit among 100,000 books (of 26^8 codes) after about 24 days;
# README, "Books".
BOOKS_LOOKUP_RATE = env("BOOKS_LOOKUP_RATE", default="60/minute")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["books_lookup"] = BOOKS_LOOKUP_RATE
# Of those, how many may name a code no book has (books.throttling): beyond it
# every request naming a code is 429 until the window ends. Readers rarely
# mistype; a guesser nearly always misses: at 100 an hour, a first hit among
# 100,000 books takes about 2.4 years per client.
BOOKS_UNKNOWN_CODE_RATE = env("BOOKS_UNKNOWN_CODE_RATE", default="100/hour")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["books_unknown_code"] = BOOKS_UNKNOWN_CODE_RATE
# How long `GET /api/books/{magic_code}` keeps a book's rendered body (books.cache);
# 0 turns the cache off.
BOOKS_CACHE_SECONDS = env.int("BOOKS_CACHE_SECONDS", default=300)

# --- Dogs -------------------------------------------------------------------

# The seed's simulated latency: seconds the registration task waits before it
# fetches a picture and creates the dog. It runs inside the task's time limit,
# so the soft limit must stay above it plus one dog.ceo call (connect and read
# timeouts; the task makes no in-request retries). The visibility timeout above
# is derived from the limits, so it stays above the delay too.
DOGS_REGISTRATION_DELAY_SECONDS = env.float("DOGS_REGISTRATION_DELAY_SECONDS", default=0)
# How long `GET /api/dogs/{name}` keeps a dog's rendered body (dogs.cache); 0 turns the cache off.
DOGS_CACHE_SECONDS = env.int("DOGS_CACHE_SECONDS", default=300)
_dogs_attempt_seconds = DOGS_REGISTRATION_DELAY_SECONDS + OUTBOUND_CONNECT_TIMEOUT + OUTBOUND_READ_TIMEOUT
if DOGS_REGISTRATION_DELAY_SECONDS < 0 or _dogs_attempt_seconds >= CELERY_TASK_SOFT_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DOGS_REGISTRATION_DELAY_SECONDS must be 0 or more, and with OUTBOUND_CONNECT_TIMEOUT and "
        "OUTBOUND_READ_TIMEOUT below CELERY_TASK_SOFT_TIME_LIMIT."
    )
# Hosts a dog.ceo picture URL may name (https only); an entry with a scheme
# (`http://127.0.0.1:8001`) allows that exact origin, for a local stand-in.
DOG_CEO_ALLOWED_PICTURE_HOSTS = env.list("DOG_CEO_ALLOWED_PICTURE_HOSTS", default=["images.dog.ceo"])
# Sent as `Authorization: Bearer ...` to FILES_SERVICE_URL when set (our own
# `POST /api/files` needs a token; the seed's service does not).
FILES_SERVICE_TOKEN = env("FILES_SERVICE_TOKEN", default="")

# --- Recharges ---------------------------------------------------------------

# How long `GET /CompanyProducts` keeps the catalogue cached; every write to a
# company or product invalidates it at once. 0 turns that cache off.
RECHARGES_CATALOGUE_CACHE_SECONDS = env.int("RECHARGES_CATALOGUE_CACHE_SECONDS", default=300)
# How long an Idempotency-Key of `POST /PhoneRecharges` counts (24 hours); older
# keys are ignored when read and deleted by the periodic task below.
RECHARGES_IDEMPOTENCY_KEY_SECONDS = env.int("RECHARGES_IDEMPOTENCY_KEY_SECONDS", default=24 * 3600)
# celery beat: the expired keys' clean-up, hourly. Other sections may add their own entries.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "recharges-purge-idempotency-keys": {
        "task": "recharges.purge_idempotency_keys_task",
        "schedule": 3600.0,
    },
}

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The JSON 500 handler logs unexpected exceptions itself.
        "django.request": {"level": "ERROR", "handlers": ["console"], "propagate": False},
        # urllib3 logs each in-request retry of core.http with the full URL, query
        # string included; core.http logs its own failures without it.
        "urllib3.connectionpool": {"level": "ERROR"},
    },
}
