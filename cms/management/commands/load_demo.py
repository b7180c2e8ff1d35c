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


def demo_account(username, password, *, superuser=False, group=None):
    """The demo's staff account `username`, created with `password` and a verified e-mail address (staff sign in
    with it) when it does not exist. An account that exists is left as it is: its password, its groups. Returns
    whether it was created."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
    if not created:
        return False
    user.is_staff = user.is_superuser = superuser
    user.set_password(password)
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return True


class Command(BaseCommand):
    help = (
        "Load the bilingual demo catalogue and demo staff accounts. Safe to run again: it creates what is missing "
        "and never changes what exists (pages editors changed or published, accounts and their passwords)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress=False, **options):
        ensure_portal_site(keep_existing=True)
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
                report = import_catalogue(data, progress=lambda: bar.update(1), keep_existing=True)
                errors += [f"{path.name}: {error}" for error in report.errors]
        if errors:
            raise CommandError("the demo content has errors:\n" + "\n".join(errors))
        choose_popular_services(DEMO_POPULAR_SERVICES)

        password = demo_password()
        created = [
            demo_account("admin", password, superuser=True),
            demo_account("approver", password, group=APPROVERS_GROUP),
        ]
        for username, code in DEMO_EDITORS.items():
            ensure_authority_section(code, keep_existing=True)
            created.append(demo_account(username, password, group=editors_group_name(code)))

        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
        self.stdout.write(f"  Admin:     {settings.WAGTAILADMIN_BASE_URL}/admin/")
        self.stdout.write(f"  Login:     admin@example.org / {password}")
        others = ", ".join(f"{name}@example.org" for name in ["approver", *DEMO_EDITORS])
        self.stdout.write(f"  Also:      {others} (same password)")
        if not all(created):
            self.stdout.write("  (Accounts that existed kept their password: a password changed since is not reset.)")
        self.stdout.write("  Staff use two-factor authentication: the first sign-in asks for an authenticator app.")
