"""The embedded default for a developer's machine: `make run` uses it."""

from .base import *  # noqa: F403
from .base import DATA_DIR, SOCIALACCOUNT_PROVIDERS, env, env_bool, env_list, national_id_app

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

# The demo's national-ID sign-in. `make run` starts a demonstration identity provider on the loopback
# (`manage.py demo_identity_provider`, identity/oidc_gateway.py: the same OpenID Connect flow as the real
# gateway) and sets NATIONAL_ID_DEMO=1, so that a citizen of the demo can reach L2. A real gateway
# (NATIONAL_ID_ISSUER) always wins. The client secret is no secret: it works only against that loopback demo.
NATIONAL_ID_DEMO = env_bool("NATIONAL_ID_DEMO", False) and not env("NATIONAL_ID_ISSUER")
NATIONAL_ID_DEMO_PORT = int(env("NATIONAL_ID_DEMO_PORT", "8001"))
NATIONAL_ID_DEMO_CLIENT_ID = "portal-demo"
NATIONAL_ID_DEMO_CLIENT_SECRET = "demo-only-not-a-secret"
if NATIONAL_ID_DEMO:
    demo_app = national_id_app(
        issuer=f"http://127.0.0.1:{NATIONAL_ID_DEMO_PORT}",
        client_id=NATIONAL_ID_DEMO_CLIENT_ID,
        secret=NATIONAL_ID_DEMO_CLIENT_SECRET,
        name="الهوية الرقمية (تجريبية) · Demo national ID",
    )
    SOCIALACCOUNT_PROVIDERS = {
        **SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {**SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": [demo_app]},
    }

# Webhooks to a receiver on this machine (an http:// address) are allowed in development.
PAYMENTS_WEBHOOKS_ALLOW_HTTP = env_bool("PAYMENTS_WEBHOOKS_ALLOW_HTTP", True)
