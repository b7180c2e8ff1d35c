"""The embedded default for a developer's machine: `make run` uses it."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env, env_bool, env_list

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])


def _local_secret_key():
    """A random key kept in the data folder, so sessions survive restarts without a key in the repo."""
    from django.core.management.utils import get_random_secret_key

    path = DATA_DIR / "secret_key.txt"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY") or _local_secret_key()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # passkeys on http://127.0.0.1 during development
