"""Settings shared by every environment. Everything that differs between machines is read from the
environment; with no environment at all the portal runs on its embedded default (SQLite, in-memory channel
layer, local-memory cache, tasks inline, the database search backend)."""

import logging
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=()):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(env("PORTAL_DATA_DIR", BASE_DIR / "data"))

SECRET_KEY = env("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "identity",
    "search",
    "cms",
    "participation",
    "payments",
    "notifications",
    "labour",
    "themes",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.headless",
    "allauth.usersessions",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # allauth's session list and security-key templates load humanize (without it those pages are a 500).
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    # Prometheus metrics (requests, latency, queries, cache; core.metrics adds the portal's own): /metrics.
    "django_prometheus",
]

MIDDLEWARE = [
    # Metrics of every request (django-prometheus): the first and the last middleware, to time the whole.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Behind the production proxies: the client's address from PORTAL_CLIENT_IP_HEADER (deploy/, docs/operations.md).
    "core.middleware.ClientAddressMiddleware",
    # A request id for every request, in its log lines and its X-Request-ID header (docs/operations.md).
    "core.middleware.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # One error shape under /api/, PortalError and outages (503) answered everywhere (docs/architecture.md).
    "core.middleware.ErrorShapeMiddleware",
    # Anonymous pages from the page cache; every response marked public or private (core/pagecache.py).
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PortalLocaleMiddleware",
    # Untrusted input: NUL, over-long parameters and deeply nested JSON refused before any view (docs/security.md).
    "core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "identity.middleware.SessionTimeoutMiddleware",
    "identity.middleware.StaffMustUseMFAMiddleware",
    "identity.middleware.RefusedSignInLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "themes.middleware.ContentSecurityPolicyMiddleware",
    "themes.middleware.ThemeMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The request's theme's templates, then the default theme's, then the apps' (themes.loaders, docs/themes.md).
        "DIRS": [],
        "OPTIONS": {
            "loaders": [
                (
                    "themes.loaders.CachedLoader",
                    ["themes.loaders.ThemeLoader", "django.template.loaders.app_directories.Loader"],
                )
            ],
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------------
# DATABASE_URL switches to PostgreSQL (postgres://user:password@host:5432/name); without it, a SQLite
# file in the data folder.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# The database's vendor, and django-prometheus's wrapper of Django's backend for it (it counts the queries, their
# errors and their time: django_db_execute_total, django_db_query_duration_seconds).
DATABASE_VENDOR = DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
DATABASES["default"]["ENGINE"] = f"django_prometheus.db.backends.{DATABASE_VENDOR}"
if DATABASE_VENDOR == "postgresql" and env("DATABASE_POOL_MAX_SIZE"):
    # A connection pool per server process (psycopg_pool). Under an ASGI server each request's synchronous
    # code may run on a new thread, so persistent connections (DATABASE_CONN_MAX_AGE) pile up one per
    # thread; a pool hands each request a connection and takes it back (docs/operations.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(env("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(env("DATABASE_POOL_MAX_SIZE")),
        "timeout": float(env("DATABASE_POOL_TIMEOUT", "10")),
    }
if DATABASE_VENDOR == "sqlite3":
    # WAL lets readers go on while one writer writes; the busy timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "portal")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, keeping its Redis client instead of building one per call (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    # CHANNEL_LAYER: "pubsub" (Redis pub/sub: one PUBLISH per group, pushes pipelined; docs/notifications.md)
    # or "core" (channels-redis's list-based layer, which queues messages for a while).
    if env("CHANNEL_LAYER", "pubsub") == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{CACHE_KEY_PREFIX}:asgi"},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [REDIS_URL],
                    "prefix": f"{CACHE_KEY_PREFIX}:asgi",
                    # The defaults (100 messages, 60 s) drop bursts silently; see docs/operations.md.
                    "capacity": int(env("CHANNEL_LAYER_CAPACITY", "1500")),
                    "expiry": int(env("CHANNEL_LAYER_EXPIRY", "30")),
                    "group_expiry": int(env("CHANNEL_LAYER_GROUP_EXPIRY", "86400")),
                },
            }
        }
else:
    # Django's local-memory cache, counting hits and misses for /metrics (core/cache.py).
    CACHES = {"default": {"BACKEND": "core.cache.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- The page cache (core/pagecache.py, docs/operations.md#page-cache) ---------------------------------
# Anonymous, non-personal answers carry Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE,
# s-maxage=PAGE_CACHE_SECONDS and are kept that long in the Django cache too (PAGE_CACHE_IN_PROCESS).
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "60"))
PAGE_CACHE_MAX_AGE = int(env("PAGE_CACHE_MAX_AGE", "0"))
PAGE_CACHE_IN_PROCESS = env_bool("PAGE_CACHE_IN_PROCESS", True)
# Pages with counts that change without a publish (an open petition's signatures, live poll results): kept this long.
PAGE_CACHE_LIVE_SECONDS = int(env("PAGE_CACHE_LIVE_SECONDS", "10"))
# Publishing purges the in-process layer always, and an HTTP cache in front (Varnish) when its address is set.
WAGTAILFRONTENDCACHE = {"pagecache": {"BACKEND": "core.pagecache.PurgeBackend"}}
FRONTEND_CACHE_PURGE_URL = env("FRONTEND_CACHE_PURGE_URL")
if FRONTEND_CACHE_PURGE_URL:
    WAGTAILFRONTENDCACHE["proxy"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": FRONTEND_CACHE_PURGE_URL,
    }
# cms/cache.py names every URL to purge, each language's page included: no rewriting of prefixes.
WAGTAILFRONTENDCACHE_LANGUAGES = []

# Tasks run inline on the embedded default. A deployment with a worker sets TASKS_BACKEND.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}
# The database backend's app (its table) is always installed, so that switching TASKS_BACKEND to
# "django_tasks_db.DatabaseBackend" needs no other change; its worker is `manage.py db_worker`.
INSTALLED_APPS.append("django_tasks_db")

# --- The scheduler (`manage.py run_scheduler`, deploy/bin/portal-scheduler) --------------------------------
# Every periodic job: (name, the management command and its arguments, every so many seconds). Each period of a
# job is claimed in the cache, so with Redis two schedulers run it once; the daily jobs run once per UTC day.
PORTAL_SCHEDULE = [
    ("participation", ["participation_schedule", "--once"], 60),
    ("payments-webhooks", ["payments_webhooks"], 60),
    ("payments-expire", ["payments_expire"], 300),
    ("notification-digest", ["send_notification_digest"], 24 * 3600),
    ("recount", ["recount"], 24 * 3600),
    ("prune-task-results", ["prune_db_task_results", "--queue-name", "*"], 24 * 3600),
]

# --- Notifications (notifications/) ------------------------------------------------------------------
# Server heartbeat on /ws/notifications/, how often a socket re-checks its session, and the shortest
# interval between two pushes of one public counter (seconds). See docs/notifications.md.
NOTIFICATIONS_HEARTBEAT_SECONDS = int(env("NOTIFICATIONS_HEARTBEAT_SECONDS", "25"))
NOTIFICATIONS_SESSION_RECHECK_SECONDS = int(env("NOTIFICATIONS_SESSION_RECHECK_SECONDS", "120"))
NOTIFICATIONS_COUNTER_INTERVAL = float(env("NOTIFICATIONS_COUNTER_INTERVAL", "1"))

# --- Search (search/) ---------------------------------------------------------------------------------
# ELASTICSEARCH_URL switches the portal's search from the database engine to Elasticsearch 9
# (http(s)://user:password@host:9200), and the Wagtail admin's search with it. See docs/search.md.
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "portal")
SEARCH_ELASTICSEARCH_TIMEOUT = int(env("SEARCH_ELASTICSEARCH_TIMEOUT", "5"))  # seconds per request
SEARCH_ELASTICSEARCH_REPLICAS = int(env("SEARCH_ELASTICSEARCH_REPLICAS", "0"))  # 0 on a single node
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.wagtail_elasticsearch",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": f"{SEARCH_INDEX_PREFIX}-wagtail-",
            "TIMEOUT": SEARCH_ELASTICSEARCH_TIMEOUT,
            "OPTIONS": {},
            "INDEX_SETTINGS": {"settings": {"index": {"number_of_replicas": SEARCH_ELASTICSEARCH_REPLICAS}}},
        }
    }
else:
    # Wagtail's database backend with the portal's query limit and Arabic normalisation (search/wagtail_search.py).
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.wagtail_search"}}

# --- Petitions (participation/) ----------------------------------------------------------------------
# (scope, how many, per seconds); scope "ip" or "user". () turns the limits off. See docs/participation.md.
PETITION_SIGN_RATE_LIMITS = (("ip", 1, 60), ("ip", 5, 300), ("user", 1, 60), ("user", 5, 300))
PETITION_COUNT_LAG_SECONDS = int(env("PETITION_COUNT_LAG_SECONDS", "5"))

# --- Payments (payments/) ----------------------------------------------------------------------------
# See docs/payments.md. The largest amount a payment may carry, in fils: also a database constraint, so a
# change here needs a migration (`makemigrations payments`). 10,000 KWD.
PAYMENTS_MAX_AMOUNT_FILS = 10_000_000
# Minutes a payment may stay unfinished before `payments_expire` marks it expired.
PAYMENTS_EXPIRY_MINUTES = int(env("PAYMENTS_EXPIRY_MINUTES", "90"))
# The gateway new payments go through: "sandbox" (the portal's own test page) or "knet".
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", "sandbox")
# KNET (the hosted-page protocol): the terminal's id, password and resource key, and the gateway's addresses.
KNET_TRANPORTAL_ID = env("KNET_TRANPORTAL_ID", "")
KNET_TRANPORTAL_PASSWORD = env("KNET_TRANPORTAL_PASSWORD", "")
KNET_RESOURCE_KEY = env("KNET_RESOURCE_KEY", "")
KNET_PAYMENT_URL = env("KNET_PAYMENT_URL", "")
KNET_INQUIRY_URL = env("KNET_INQUIRY_URL", "")
KNET_TIMEOUT_SECONDS = float(env("KNET_TIMEOUT_SECONDS", "10"))
# The portal's own address as the gateway reaches it (for responseURL/errorURL), e.g. https://portal.gov.kw
PAYMENTS_PUBLIC_URL = env("PAYMENTS_PUBLIC_URL", "")
# Webhooks to authorities: how long a receiver may take to answer, and whether an http:// address is
# accepted (development and tests only; a deployment sends to https:// addresses).
PAYMENTS_WEBHOOK_TIMEOUT_SECONDS = float(env("PAYMENTS_WEBHOOK_TIMEOUT_SECONDS", "10"))
PAYMENTS_WEBHOOKS_ALLOW_HTTP = env_bool("PAYMENTS_WEBHOOKS_ALLOW_HTTP", False)

# --- Languages --------------------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Asia/Kuwait")
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
# Paths served outside /ar/ and /en/; a 404 under them stays a 404 (see core.middleware).
PORTAL_UNPREFIXED_PATHS = (
    "/api/",
    "/admin/",
    "/documents/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/language/",
    "/static/",
    "/media/",
    "/ws/",
    "/_allauth/",
    "/.well-known/",
    "/payments/gateway/",
)
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Untrusted input (core.middleware.RequestGuardMiddleware) and outages ------------------------------
# The longest legitimate query parameter is a pasted receipt (identity.receipts.MAX_RECEIPT_LENGTH); gunicorn's
# own request line limit is about half of this, so the rule matters behind other servers and in tests.
PORTAL_MAX_PARAMETER_LENGTH = int(env("PORTAL_MAX_PARAMETER_LENGTH", "8192"))
PORTAL_MAX_JSON_DEPTH = int(env("PORTAL_MAX_JSON_DEPTH", "32"))
# The header in which the production proxy gives the client's address (X-Real-IP behind deploy/'s nginx); empty:
# REMOTE_ADDR is the client. Only for servers that nothing but the proxy can reach (core.middleware).
PORTAL_CLIENT_IP_HEADER = env("PORTAL_CLIENT_IP_HEADER", "")
# Seconds a client is told to wait (Retry-After) when the database, cache or channel layer is down.
PORTAL_OUTAGE_RETRY_AFTER = int(env("PORTAL_OUTAGE_RETRY_AFTER", "5"))
# Numbers and dates per language (portal/formats/): the Arabic separators as Kuwait writes them.
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static and media -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = sorted((BASE_DIR / "themes").glob("*/static"))  # each theme's tokens, CSS and fonts
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Accounts (django-allauth) ------------------------------------------------------------------------
# Django's and allauth's backends, each loading the signed-in user and their assurance grant in one statement
# (identity/backends.py).
# The signed-in request's fast path (core.sql): the session read and the user load (with the assurance grant) are
# single SQL statements. PORTAL_SQL_FAST_PATHS=false falls back to Django's stock session engine and backends,
# should a Django upgrade break the ORM internals core.sql relies on (docs/operations.md).
PORTAL_SQL_FAST_PATHS = env_bool("PORTAL_SQL_FAST_PATHS", True)
AUTHENTICATION_BACKENDS = (
    ["identity.backends.ModelBackend", "identity.backends.AuthenticationBackend"]
    if PORTAL_SQL_FAST_PATHS
    else ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]
)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "account_login"
ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_FORMS = {"login": "identity.forms.LoginForm"}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    # Sign-up sends a code, and so does each sign-in before the address is verified: three per 3 minutes, so
    # that signing in again right after signing up sends a new code instead of refusing (identity/forms.py).
    "confirm_email": "3/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "portal@localhost")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Portal")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)

HEADLESS_SERVE_SPECIFICATION = True
# allauth's session tokens, looked up in one query instead of two (identity/api_auth.py).
HEADLESS_TOKEN_STRATEGY = "identity.api_auth.SessionTokenStrategy"
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": "/accounts/confirm-email/{key}/",
    "account_reset_password_from_key": "/accounts/password/reset/key/{key}/",
    "account_signup": "/accounts/signup/",
}

# National-ID sign-in: a generic OpenID Connect provider configured from the environment (docs/national-id.md).
NATIONAL_ID_PROVIDER_ID = "national-id"


def national_id_app(*, issuer, client_id, secret, name, token_auth_method="client_secret_post", scope=None):
    """allauth's settings for the national-ID gateway at `issuer` (also the demo's: portal/settings/dev.py)."""
    return {
        "provider_id": NATIONAL_ID_PROVIDER_ID,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": issuer,
            "token_auth_method": token_auth_method,
            "oauth_pkce_enabled": True,
            "scope": scope or ["openid", "profile"],
        },
    }


SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            national_id_app(
                issuer=env("NATIONAL_ID_ISSUER", ""),
                client_id=env("NATIONAL_ID_CLIENT_ID", ""),
                secret=env("NATIONAL_ID_CLIENT_SECRET", ""),
                name=env("NATIONAL_ID_NAME", "الهوية الرقمية الوطنية"),
                token_auth_method=env("NATIONAL_ID_TOKEN_AUTH_METHOD", "client_secret_post"),
                scope=env_list("NATIONAL_ID_SCOPES", ["openid", "profile"]),
            )
        ]
        if env("NATIONAL_ID_ISSUER")
        else [],
    }
}
# The demo's identity provider on the loopback (portal/settings/dev.py, `make run`): off everywhere else.
NATIONAL_ID_DEMO = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# A national-ID account has no e-mail address (the gateway's is not one we verified): signing up through the
# national ID asks for none, and the national ID itself is the verification.
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# The civil ID number is kept only as an HMAC under this key (identity.national_id).
NATIONAL_ID_HASH_KEY = env("NATIONAL_ID_HASH_KEY")
NATIONAL_ID_CLAIM = env("NATIONAL_ID_CLAIM", "civil_id")

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT after sign-in.
# Django's database sessions, read with one SQL statement (or Django's own, see PORTAL_SQL_FAST_PATHS).
SESSION_ENGINE = "identity.sessions" if PORTAL_SQL_FAST_PATHS else "django.contrib.sessions.backends.db"
SESSION_ABSOLUTE_TIMEOUT = int(env("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)))
# The cookie and the stored row live no longer than the absolute limit (identity.middleware enforces it).
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_IDLE_TIMEOUT = int(env("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Browser features the portal does not use, off (core.middleware.PermissionsPolicyMiddleware); passkeys stay on.
PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "autoplay",
                "camera",
                "display-capture",
                "geolocation",
                "gyroscope",
                "magnetometer",
                "microphone",
                "midi",
                "payment",
                "usb",
                "serial",
                "bluetooth",
                "hid",
                "screen-wake-lock",
                "xr-spatial-tracking",
            )
        ),
        "fullscreen=(self)",
        "publickey-credentials-get=(self)",
        "publickey-credentials-create=(self)",
    ]
)
# A load balancer checks /healthz over plain HTTP: the HTTPS redirect (production) must not answer it with a 301.
# The same for the readiness probe and for Prometheus scraping /metrics on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics: with METRICS_TOKEN set, only a request with `Authorization: Bearer <METRICS_TOKEN>`; without it, only a
# request from the loopback that did not come through a proxy (no X-Forwarded-For / Forwarded). Anyone else: 404.
METRICS_TOKEN = env("METRICS_TOKEN", "")

# --- Wagtail ----------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "بوابة الحكومة الإلكترونية"
WAGTAILADMIN_BASE_URL = env("PORTAL_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No Gravatar in the admin: it would send a hash of every staff member's e-mail address to a third party (the
# browser test of the editor's journey checks that the admin requests nothing from another origin).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILAPI_LIMIT_MAX = 100
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "identity.api_auth.HeadlessSessionTokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api_v1.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portal platform API",
    "DESCRIPTION": "Citizen actions and platform services. The content (pages, images, documents) is at /api/v2/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["portal.api_v1.only_platform_api"],
}

# --- Signed receipts (identity.receipts) ------------------------------------------------------------
# RECEIPT_SIGNING_KEY_FILE: a PEM Ed25519 private key; its key id is RECEIPT_SIGNING_KEY_ID.
# RECEIPT_RETIRED_KEYS_FILE: a JSON Web Key Set of retired public keys that still verify old receipts.
# Without them, the dev settings keep a generated key in the data folder.
RECEIPT_SIGNING_KEY = env("RECEIPT_SIGNING_KEY")  # the PEM text itself, instead of a file
RECEIPT_SIGNING_KEY_FILE = env("RECEIPT_SIGNING_KEY_FILE")
RECEIPT_SIGNING_KEY_ID = env("RECEIPT_SIGNING_KEY_ID")
RECEIPT_RETIRED_KEYS_FILE = env("RECEIPT_RETIRED_KEYS_FILE")
RECEIPT_ISSUER = env("RECEIPT_ISSUER", env("PORTAL_BASE_URL", "http://127.0.0.1:8000"))

# Structured logs (portal/logs.py): one JSON object a line (LOG_FORMAT=text: one readable line), each with the
# request_id of the request it was written for. django-structlog writes one `request_finished` line per request
# (its `request_started` only at DEBUG); REQUEST_LOG_LEVEL=WARNING keeps only the 4xx and 5xx ones.
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = logging_config(
    LOG_FORMAT,
    env("LOG_LEVEL", "INFO"),
    {
        # Inline tasks and page actions log every step at INFO; an operator needs their warnings only.
        "django_tasks": env("TASKS_LOG_LEVEL", "WARNING"),
        "wagtail": env("WAGTAIL_LOG_LEVEL", "WARNING"),
        "django_structlog": env("REQUEST_LOG_LEVEL", "INFO"),
    },
)
configure_structlog()
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
# The request id is core.middleware.RequestIdMiddleware's (a well-formed incoming X-Request-ID, or a new one).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# No user id: reading request.user at the end of every request would load a session and a user that the request
# itself did not need (and fail during a database outage, turning its 503 into a 500).
DJANGO_STRUCTLOG_USER_ID_FIELD = None
