"""The settings modules, each imported in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "Kq8vR2-m9ZpT4xW7bN1cY6hF3jL0sD5gE8uA2iO7tQ4wX9zV"
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "search": settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False) and getattr(settings, "CSRF_COOKIE_SECURE", False),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "session_engine": settings.SESSION_ENGINE,
    "backends": settings.AUTHENTICATION_BACKENDS,
    "ssl_redirect_exempt": settings.SECURE_REDIRECT_EXEMPT,
}))
"""


def _run(module, **environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "ELASTICSEARCH_URL",
            "CHANNEL_LAYER",
            "PORTAL_SQL_FAST_PATHS",
        )
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **environment)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_embedded_default_needs_no_environment(tmp_path):
    result = _run("portal.settings.dev", PORTAL_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["engine"] == "django_prometheus.db.backends.sqlite3"  # Django's, its queries counted
    assert facts["cache"].endswith("LocMemCache")
    assert facts["layer"] == "channels.layers.InMemoryChannelLayer"
    assert facts["tasks"].endswith("ImmediateBackend")
    assert facts["search"] == "search.wagtail_search"
    assert (tmp_path / "secret_key.txt").exists()


def test_database_and_redis_urls_switch_to_the_real_services(tmp_path):
    result = _run(
        "portal.settings.dev",
        PORTAL_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["engine"] == "django_prometheus.db.backends.postgresql"
    assert facts["cache"] == "core.cache.RedisCache"
    assert facts["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_the_list_based_channel_layer_can_be_chosen(tmp_path):
    result = _run(
        "portal.settings.dev",
        PORTAL_DATA_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/0",
        CHANNEL_LAYER="core",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["layer"] == "channels_redis.core.RedisChannelLayer"


@pytest.mark.parametrize(
    ("environment", "complaint"),
    [
        ({"ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS must be set"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "portal.example"}, "at least 32 characters"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example", "DEBUG": "true"}, "DEBUG cannot be turned on"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(environment, complaint):
    result = _run("portal.settings.production", **environment)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_turns_on_secure_cookies_and_hsts():
    result = _run("portal.settings.production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.example")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["debug"] is False
    assert facts["secure_cookies"] is True
    assert facts["hsts"] >= 31536000
    assert facts["ssl_redirect"] is True


def test_the_sql_fast_paths_can_be_turned_off_for_djangos_own_sessions_and_backends(tmp_path):
    facts = json.loads(_run("portal.settings.dev", PORTAL_DATA_DIR=str(tmp_path)).stdout)
    assert facts["session_engine"] == "identity.sessions"
    assert facts["backends"] == ["identity.backends.ModelBackend", "identity.backends.AuthenticationBackend"]
    result = _run("portal.settings.dev", PORTAL_DATA_DIR=str(tmp_path), PORTAL_SQL_FAST_PATHS="false")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["session_engine"] == "django.contrib.sessions.backends.db"
    assert facts["backends"] == [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]


@pytest.mark.parametrize(
    ("environment", "complaint"),
    [
        ({"SECRET_KEY": "a" * 64, "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "k3y" * 16, "ALLOWED_HOSTS": "portal.example"}, "django-insecure-"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example,*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_a_guessable_secret_key_and_any_host(environment, complaint):
    result = _run("portal.settings.production", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_production_exempts_the_health_check_from_the_https_redirect():
    result = _run("portal.settings.production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.example")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ssl_redirect_exempt"] == [r"^healthz$", r"^readyz$", r"^metrics$"]
