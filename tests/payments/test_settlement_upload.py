"""A settlement file uploaded in the admin is imported in the background (a django-tasks task: inline on the
embedded default and in these tests) by the same service as the command: the staff member who uploaded it
follows a progress bar (lines read of the file's lines) on a page and in a JSON status only they may read,
and is taken, when it ends, to the import's page or to the refusal with every problem by line and column;
a refused file writes nothing."""

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from identity.models import SecurityEvent
from payments.models import SettlementImport, SettlementLine, SettlementUpload
from payments.services import staff
from tests import factories
from tests.factories import STAFF_TOTP_SECRET

from .conftest import knet_paid, settlement_file
from .test_admin import make_staff

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/payments/settlements/upload/"


def upload(client, data, name="settle.csv", language="en"):
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, data, content_type="text/csv")}, HTTP_ACCEPT_LANGUAGE=language
    )


def status(client, upload_pk, language="en"):
    return client.get(f"/admin/payments/settlements/uploads/{upload_pk}/status.json", HTTP_ACCEPT_LANGUAGE=language)


def portal_staff(username):
    """Another member of the portal's own staff, who may upload settlement files too."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x" * 20, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_settlementimport", "view_settlementimport"],
        )
    )
    TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


def test_the_upload_is_imported_in_the_background_and_its_progress_goes_from_zero_to_the_end(
    client, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    _payments, data = ledger  # a header and five lines
    admin = factories.staff("admin")
    client.force_login(admin)
    listing = client.get("/admin/payments/settlements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert UPLOAD in listing
    monkeypatch.setattr(staff, "PROGRESS_EVERY_SECONDS", 0)  # every line's progress written
    written = []
    save_progress = staff.save_progress
    monkeypatch.setattr(
        staff, "save_progress", lambda pk, read, total: (written.append((read, total)), save_progress(pk, read, total))
    )

    with django_capture_on_commit_callbacks() as enqueued:
        answer = upload(client, data)
    row = SettlementUpload.objects.get()
    progress_url = f"/admin/payments/settlements/uploads/{row.pk}/"
    assert answer.status_code == 302 and answer.url == progress_url
    assert row.uploaded_by == admin and row.state == "queued" and not SettlementImport.objects.exists()

    # Before the task runs: nothing read of six lines, on the page and in its JSON.
    page = client.get(progress_url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        '<label id="settlement-progress-label" class="w-field__label" for="settlement-progress">Lines read</label>'
        in html
    )
    assert '<progress id="settlement-progress" max="6" value="0"' in html
    assert 'role="status" aria-live="polite"' in html and "Waiting for the import to start (6 lines)." in html
    assert 'src="/static/payments/settlement-progress.js"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    before = status(client, row.pk)
    assert before.status_code == 200 and before["Content-Type"] == "application/json"
    assert json.loads(before.content) == {
        "state": "queued",
        "read": 0,
        "total": 6,
        "percent": 0,
        "status": "Waiting for the import to start (6 lines).",
        "finished": False,
        "next": progress_url,
    }

    # The task (inline on this backend) reads the file, writing how far it got after each line.
    for callback in enqueued:
        callback()
    assert written == [(2, 6), (3, 6), (4, 6), (5, 6), (6, 6), (6, 6)]
    after = json.loads(status(client, row.pk).content)
    assert (after["state"], after["read"], after["total"], after["percent"], after["finished"]) == (
        "done",
        6,
        6,
        100,
        True,
    )
    assert after["status"] == "Imported: 6 lines read." and after["next"] == progress_url

    # The progress page now is the import's page, with its summary.
    settlement = SettlementImport.objects.get()
    ended = client.get(progress_url, HTTP_ACCEPT_LANGUAGE="en")
    assert ended.status_code == 302 and ended.url.endswith(f"/settlements/inspect/{settlement.pk}/")
    summary = client.get(ended.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "settle.csv imported: 5 lines (Matched: 2, Amount mismatch: 1, No such payment: 1, Settled twice: 1)" in summary
    )
    row.refresh_from_db()
    assert row.settlement == settlement and row.lines_read == row.lines_total == 6 and bytes(row.data) == b""
    event = SecurityEvent.objects.get(user=admin, kind="staff_action", detail__action="settlement.import")
    assert event.detail["lines"] == 5 and event.detail["upload"] == row.pk and event.ip_address == "127.0.0.1"


def test_on_the_embedded_default_the_upload_ends_on_the_imports_page(
    client, ledger, django_capture_on_commit_callbacks
):
    _payments, data = ledger
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks(execute=True):  # the upload commits, and its task runs inline
        answer = upload(client, data)
    answer = client.get(answer.url, follow=True)
    settlement = SettlementImport.objects.get()
    assert answer.redirect_chain[-1][0].endswith(f"/settlements/inspect/{settlement.pk}/")
    assert settlement.file_name == "settle.csv" and settlement.lines == 5


def test_the_progress_page_is_arabic_and_right_to_left(client, ledger, django_capture_on_commit_callbacks):
    _payments, data = ledger
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks():
        answer = upload(client, data, language="ar")
    html = client.get(answer.url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert "الأسطر المقروءة" in html and "في انتظار بدء الاستيراد (عدد الأسطر: 6)." in html
    answer = json.loads(status(client, SettlementUpload.objects.get().pk, language="ar").content)
    assert answer["status"] == "في انتظار بدء الاستيراد (عدد الأسطر: 6)."


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ["line 3, column settlement_date: a date is written YYYY-MM-DD", "nothing was imported"]),
        ("ar", ["السطر 3، العمود settlement_date", "لم يُستورد"]),
    ],
)
def test_a_refused_file_shows_every_problem_by_line_in_the_staff_members_language_and_writes_nothing(
    client, authority, language, words, django_capture_on_commit_callbacks
):
    payment = knet_paid(authority, 1_000)
    data = settlement_file(f"2026-12-05,{payment.reference},T1,1.000,KWD", "05/12/2026,PAY-X,T2,1.000,KWD")
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(client, data, name="bad.csv", language=language)
    row = SettlementUpload.objects.get()
    assert answer.status_code == 302 and row.state == "refused" and bytes(row.data) == b""
    assert json.loads(status(client, row.pk, language).content)["finished"] is True
    refused = client.get(answer.url, HTTP_ACCEPT_LANGUAGE=language)
    html = refused.content.decode()
    assert refused.status_code == 400 and all(word in html for word in words), html
    assert f'action="{UPLOAD}"' in html  # the form again, to upload the corrected file
    assert not SettlementImport.objects.exists() and not SettlementLine.objects.exists()
    assert not SecurityEvent.objects.filter(kind="staff_action").exists()


def test_the_same_file_uploaded_twice_at_once_is_recorded_once(client, ledger, django_capture_on_commit_callbacks):
    _payments, data = ledger
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks() as enqueued:
        first = upload(client, data)
        second = upload(client, data, name="again.csv")
    for callback in enqueued:  # both tasks run after both uploads were accepted
        callback()
    assert SettlementImport.objects.count() == 1
    assert sorted(SettlementUpload.objects.values_list("state", flat=True)) == ["done", "refused"]
    refused = client.get(second.url, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "already imported" in refused.content.decode()
    assert client.get(first.url).status_code == 302
    assert SecurityEvent.objects.filter(kind="staff_action", detail__action="settlement.import").count() == 1


def test_an_import_that_fails_says_so_and_writes_nothing(
    client, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    from payments.services import reconciliation

    _payments, data = ledger

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(reconciliation, "_matched", broken)
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(client, data)
    assert SettlementUpload.objects.get().state == "failed"
    html = client.get(answer.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The import stopped on an error; nothing was imported." in html
    assert not SettlementImport.objects.exists() and not SecurityEvent.objects.filter(kind="staff_action").exists()


def test_only_the_staff_member_who_uploaded_reads_its_progress(
    client, ledger, authority, django_capture_on_commit_callbacks
):
    _payments, data = ledger
    client.force_login(factories.staff("admin"))
    with django_capture_on_commit_callbacks():
        answer = upload(client, data)
    row = SettlementUpload.objects.get()
    assert status(client, row.pk).status_code == 200

    colleague = Client()
    colleague.force_login(portal_staff("colleague"))
    assert colleague.get(UPLOAD).status_code == 200  # they may upload files of their own
    assert status(colleague, row.pk).status_code == 404
    assert colleague.get(answer.url).status_code == 404

    # An authority's payments staff, even given the permission to upload, read nobody's upload.
    payments_staff = make_staff(authority.code)
    payments_staff.user_permissions.add(Permission.objects.get(codename="add_settlementimport"))
    theirs = Client()
    theirs.force_login(get_user_model().objects.get(pk=payments_staff.pk))
    assert status(theirs, row.pk).status_code == 404 and theirs.get(answer.url).status_code == 404
    without = Client()
    without.force_login(make_staff("MOCI"))
    assert status(without, row.pk).status_code in (302, 403)  # the admin's refusal


def test_only_the_portals_own_staff_upload_a_settlement_file(client, ledger, authority):
    _payments, data = ledger
    user = make_staff(authority.code)
    client.force_login(user)
    assert client.get(UPLOAD).status_code in (302, 403)  # the admin's refusal
    # Even with the permission, an authority's staff cannot import the acquirer's file for every authority.
    user.user_permissions.add(Permission.objects.get(codename="add_settlementimport"))
    client.force_login(get_user_model().objects.get(pk=user.pk))
    answer = upload(client, data)
    assert answer.status_code == 403 and not SettlementUpload.objects.exists() and not SettlementImport.objects.exists()
