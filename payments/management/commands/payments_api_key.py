from django.core.management.base import BaseCommand, CommandError

from cms.models import Authority
from payments import services
from payments.models import ApiKey


class Command(BaseCommand):
    help = "Create (and print once) or revoke an authority's API key: `create MSAL 'billing' payments bills` / `revoke PREFIX`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("authority", help="the authority's code")
        create.add_argument("name")
        create.add_argument("scopes", nargs="+", choices=ApiKey.Scope.values)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "create":
            authority = Authority.objects.filter(code=options["authority"]).order_by("pk").first()
            if authority is None:
                raise CommandError(f"no authority with code {options['authority']}")
            api_key, token = services.create_api_key(
                authority=authority, name=options["name"], scopes=options["scopes"]
            )
            self.stdout.write(f"{api_key.prefix}: {token}\n(shown once: only its hash is kept)")
        else:
            api_key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if api_key is None:
                raise CommandError("no such key")
            services.revoke_api_key(api_key)
            self.stdout.write(f"{api_key.prefix} revoked")
