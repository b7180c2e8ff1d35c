"""Settings for the test suite. The same suite runs on the embedded default and, with DATABASE_URL and
REDIS_URL set, on PostgreSQL and Redis (`make test-services`)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REDIS_URL, env

SECRET_KEY = "test-only-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILAPI_BASE_URL = "http://testserver"
LOGGING = {"version": 1, "disable_existing_loggers": False}

if REDIS_URL:
    # A prefix per test process keeps parallel runs on one Redis apart.
    _prefix = f"portal-test-{os.getpid()}"
    CACHES["default"]["KEY_PREFIX"] = _prefix
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{_prefix}:asgi"

# Files a test run makes (generated receipt keys, uploads) go to a folder of its own, not the developer's data.
DATA_DIR = Path(tempfile.mkdtemp(prefix="portal-test-"))
MEDIA_ROOT = DATA_DIR / "media"

# A test session with ELASTICSEARCH_URL set must not write into a development index.
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "portal-test")

TEST_RUNS_ON = "services" if env("DATABASE_URL") else "embedded"

# The fake webhook receivers of the tests listen on http://127.0.0.1.
PAYMENTS_WEBHOOKS_ALLOW_HTTP = True
PAYMENTS_WEBHOOK_TIMEOUT_SECONDS = 1.0

# Tests change the database between requests without publishing (and their transactions never commit, so no
# purge runs): whole pages are cached only in the tests of the page cache (tests/core/test_pagecache.py).
PAGE_CACHE_IN_PROCESS = False
