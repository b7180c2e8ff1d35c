import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from identity import receipts


class Command(BaseCommand):
    help = (
        "Manage the keys that sign receipts (docs/receipts.md): show the published keys, rotate the generated "
        "key, generate a key file, or retire the active key into a JWKS file."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("show", help="print the JSON Web Key Set published at /.well-known/jwks.json")
        actions.add_parser(
            "rotate", help="generated keys only: retire the active key (still published) and make a new one"
        )
        generate = actions.add_parser("generate", help="write a new Ed25519 private key (PEM) and print its key id")
        generate.add_argument("--out", required=True, help="the file to create (never overwritten)")
        retire = actions.add_parser(
            "retire", help="add the active key's public half to a JWKS file of retired keys (created if missing)"
        )
        retire.add_argument("--into", required=True, help="the JWKS file, e.g. the one RECEIPT_RETIRED_KEYS_FILE names")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error

    def _show(self, **options):
        self.stdout.write(json.dumps(receipts.public_jwks(), indent=2))

    def _rotate(self, **options):
        old = receipts.active_key_id()
        new = receipts.rotate_generated_key()
        self.stderr.write(f"retired {old} (still published); new receipts are signed with:")
        self.stdout.write(new)

    def _generate(self, out, **options):
        path = Path(out)
        key = Ed25519PrivateKey.generate()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{path} exists; choose a new file name for a new key.") from error
        except OSError as error:
            raise CommandError(f"cannot create {path}: {error}") from error
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(receipts.private_key_pem(key))
        key_id = receipts.thumbprint(key.public_key())
        self.stderr.write(f"wrote {path}; set RECEIPT_SIGNING_KEY_FILE={path} and RECEIPT_SIGNING_KEY_ID to:")
        self.stdout.write(key_id)

    def _retire(self, into, **options):
        key_id, public_key = receipts.active_public_key()
        receipts.retire_public_key(Path(into), public_key, key_id)
        self.stderr.write(f"{into} now publishes {key_id}")
