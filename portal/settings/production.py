"""Production: refuses to start without SECRET_KEY and ALLOWED_HOSTS, with a guessable SECRET_KEY or with
ALLOWED_HOSTS=*; secure cookies, HSTS, DEBUG off."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
if SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured("SECRET_KEY starts with django-insecure-: it is a development key. Generate a new one.")
if len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY is guessable (one character repeated, or nearly). Generate a random one.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production (comma-separated).")
if any(host == "*" for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the portal's host names, not '*'.")

if env("NATIONAL_ID_ISSUER") and not env("NATIONAL_ID_HASH_KEY"):
    raise ImproperlyConfigured("NATIONAL_ID_HASH_KEY must be set when national-ID sign-in is configured.")

DEBUG = False
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG cannot be turned on with production settings.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
