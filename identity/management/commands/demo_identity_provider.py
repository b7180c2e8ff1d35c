"""`manage.py demo_identity_provider`: the demo's national-ID gateway on the loopback, until interrupted.

`make run` starts it next to the portal, with NATIONAL_ID_DEMO=1 (portal/settings/dev.py), so that a citizen of
the demo reaches assurance level L2 through the same OpenID Connect flow as production. Its page says that it is
a demonstration, not the national digital identity. Development only: it refuses to run without DEBUG."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from identity.oidc_gateway import LoopbackOIDCProvider


class Command(BaseCommand):
    help = "Serve the demo's identity provider (OpenID Connect) on 127.0.0.1 for national-ID sign-in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--portal",
            action="append",
            default=None,
            help="the portal's address (repeatable); default http://127.0.0.1:8000 and http://localhost:8000",
        )

    def handle(self, *args, portal=None, **options):
        if not settings.DEBUG or not getattr(settings, "NATIONAL_ID_DEMO", False):
            raise CommandError(
                "The demo identity provider runs only in development with NATIONAL_ID_DEMO=1 (make run sets it)."
            )
        origins = [origin.rstrip("/") for origin in portal or ["http://127.0.0.1:8000", "http://localhost:8000"]]
        redirect_uris = [
            f"{origin}/{language}/accounts/oidc/{settings.NATIONAL_ID_PROVIDER_ID}/login/callback/"
            for origin in origins
            for language, _name in settings.LANGUAGES
        ]
        provider = LoopbackOIDCProvider(
            redirect_uris=redirect_uris,
            client_id=settings.NATIONAL_ID_DEMO_CLIENT_ID,
            client_secret=settings.NATIONAL_ID_DEMO_CLIENT_SECRET,
            interactive=True,
            port=settings.NATIONAL_ID_DEMO_PORT,
        )
        try:
            provider.start()
        except OSError as e:
            raise CommandError(
                f"port {settings.NATIONAL_ID_DEMO_PORT} is taken ({e}); set NATIONAL_ID_DEMO_PORT"
            ) from e
        self.stdout.write(f"Demo identity provider (not the national digital identity) on {provider.issuer}/")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        provider.stop()
