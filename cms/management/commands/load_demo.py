import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.services import (
    APPROVERS_GROUP,
    choose_popular_services,
    count_records,
    editors_group_name,
    ensure_authority_section,
    ensure_portal_site,
    import_catalogue,
)

DEMO_DIR = Path(os.environ.get("DEMO_CONTENT_DIR") or Path(settings.BASE_DIR) / "demo" / "content")
# What the demo home page lists under "Popular services" (editors choose these in the admin).
DEMO_POPULAR_SERVICES = ("PACI-CID-002", "MOI-RES-001", "PAM-WP-002", "MOH-BC-001", "MOJ-TB-001", "MSAL-SA-001")
DEMO_EDITORS = {"msal.editor": "MSAL", "pam.editor": "PAM", "moci.editor": "MOCI"}


def demo_password():
    """One random password for the demo accounts, kept in the data folder so every run prints the same."""
    path = Path(settings.DATA_DIR) / "demo-password.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


class Command(BaseCommand):
    help = "Load the bilingual demo catalogue and demo staff accounts. Safe to run again: it changes nothing the second time."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress=False, **options):
        ensure_portal_site()
        files = sorted(DEMO_DIR.glob("*.json"), key=lambda path: (path.name != "authorities.json", path.name))
        if not files:
            raise CommandError(f"no demo files in {DEMO_DIR}")
        datasets = [(path, json.loads(path.read_text(encoding="utf-8"))) for path in files]
        total = sum(count_records(data) for _path, data in datasets)
        errors = []
        with tqdm(
            total=total, desc="demo content", unit="record", disable=no_progress or None, file=self.stderr._out
        ) as bar:
            for path, data in datasets:
                report = import_catalogue(data, progress=lambda: bar.update(1))
                errors += [f"{path.name}: {error}" for error in report.errors]
        if errors:
            raise CommandError("the demo content has errors:\n" + "\n".join(errors))
        choose_popular_services(DEMO_POPULAR_SERVICES)

        password = demo_password()
        User = get_user_model()
        admin, _created = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.org"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        approver, _created = User.objects.get_or_create(username="approver", defaults={"email": "approver@example.org"})
        approver.set_password(password)
        approver.save()
        approver.groups.add(Group.objects.get(name=APPROVERS_GROUP))
        for username, code in DEMO_EDITORS.items():
            editor, _created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            editor.set_password(password)
            editor.save()
            ensure_authority_section(code)
            editor.groups.add(Group.objects.get(name=editors_group_name(code)))

        # Demo staff sign in with their e-mail address, which must be verified (allauth) to sign in at all.
        from allauth.account.models import EmailAddress

        for user in User.objects.filter(username__in=["admin", "approver", *DEMO_EDITORS]):
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
        self.stdout.write(f"  Admin:     {settings.WAGTAILADMIN_BASE_URL}/admin/")
        self.stdout.write(f"  Login:     admin@example.org / {password}")
        others = ", ".join(f"{name}@example.org" for name in ["approver", *DEMO_EDITORS])
        self.stdout.write(f"  Also:      {others} (same password)")
        self.stdout.write("  Staff use two-factor authentication: the first sign-in asks for an authenticator app.")
