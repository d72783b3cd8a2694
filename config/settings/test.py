"""Settings for the test suite (pytest.ini points here).

The database, cache and broker still come from the environment, so the same
suite runs against SQLite or PostgreSQL and against Redis.
"""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHE_URL, CACHES, DATABASES, REST_FRAMEWORK, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's default in-memory test database: in memory, readers
    # lock tables instead of reading a snapshot, unlike the real installation
    # (WAL). pytest-django gives every xdist worker its own copy.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

# Fast hashing: the suite creates many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if CACHE_URL:
    # One key prefix per xdist worker so parallel workers do not see each other's keys.
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Eager by default; the tests marked `celery_worker` run a real worker instead.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "anon": "100000/hour",
        "user": "100000/hour",
    },
}
