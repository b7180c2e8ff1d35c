"""Marginal-labour signals: the wage-protection import (whole file or nothing, bad lines by line and column, civil
IDs only as keyed hashes) and the inspectors' report (ranked, filtered, exported, each signal with its evidence)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from identity.national_id import civil_id_hash
from labour import selectors
from labour.models import WageImport, WageRecord
from labour.services import WagesRefused, import_establishments, import_wages
from tests import factories

from .helpers import BANK, register

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)
PAID, UNPAID, ABSENT = "289061512347", "287121201234", "301010112345"
HEADER = "licence_number,civil_id,month,salary_fils,absence_reported\n"


def wages_file(*lines):
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode("utf-8")


GOOD = wages_file(
    *(f"L-100,{PAID},2026-{month},450000,0" for month in ("09", "10", "11")),
    *(f"L-100,{UNPAID},2026-{month},0," for month in ("09", "10", "11")),
    f"L-100,{ABSENT},2026-10,300000,0",
    f"L-100,{ABSENT},2026-11,300000,1",
)


@pytest.fixture
def establishments():
    """Gulf Bank (L-100, 100 workers, licensed for 150) and a building company (L-200) with 70 workers for a licence
    of 50 (construction's norm 0.85: a need of 43)."""
    import_establishments(
        register(
            BANK.format(capacity=150, nationality="KWT", occupation="2", workers=84),
            BANK.format(capacity=150, nationality="ASI", occupation="4", workers=16),
            "L-200,شركة البناء,Building Co,F,41,KW-AH,50,ASI,9,70\n",
        )
    )


def test_the_wage_file_is_imported_with_civil_ids_only_as_keyed_hashes(establishments):
    record = import_wages(GOOD, file_name="wps.csv", today=TODAY)
    assert (record.rows, record.created, record.updated, record.unchanged) == (8, 8, 0, 0)
    assert set(WageRecord.objects.values_list("worker_hash", flat=True)) == {
        civil_id_hash(PAID),
        civil_id_hash(UNPAID),
        civil_id_hash(ABSENT),
    }
    again = import_wages(GOOD, file_name="wps.csv", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)


def test_a_wage_file_with_bad_lines_is_refused_whole_by_line_and_column(establishments):
    bad = wages_file(
        f"L-100,{PAID},2026-11,450000,0",
        f"L-999,{PAID},2026-11,450000,0",
        "L-100,12345,2026-11,450000,0",
        f"L-100,{UNPAID},2027-01,0,0",
        f"L-100,{UNPAID},2026-11,-5,maybe",
        f"L-100,{PAID},2026-11,1,0",
    )
    with pytest.raises(WagesRefused) as refused:
        import_wages(bad, file_name="bad.csv", today=TODAY)
    problems = [(problem.line, problem.column) for problem in refused.value.problems]
    assert problems == [
        (3, "licence_number"),
        (4, "civil_id"),
        (5, "month"),
        (6, "salary_fils"),
        (6, "absence_reported"),
        (7, ""),
    ]
    assert "12345" not in str(refused.value.problems[1])
    assert not WageRecord.objects.exists() and not WageImport.objects.exists()


def test_the_command_draws_progress_and_reports_bad_lines(establishments, tmp_path):
    path = tmp_path / "wps.csv"
    path.write_bytes(wages_file(f"L-100,{PAID},2026-13,1,0"))
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_wages", str(path), "--language", "en", "--no-progress", stderr=errors)
    assert "line 2, column month" in errors.getvalue()
    path.write_bytes(GOOD)
    out = io.StringIO()
    call_command("import_wages", str(path), "--language", "en", "--no-progress", stdout=out)
    assert "8 records created" in out.getvalue()


def test_signals_are_ranked_by_the_workers_they_concern(establishments):
    import_wages(GOOD, file_name="wps.csv", today=TODAY)
    signals = [
        (signal.establishment.licence_number, signal.kind, signal.workers) for signal in selectors.marginal_signals()
    ]
    assert signals == [
        ("L-200", "over_need", 27),
        ("L-200", "over_capacity", 20),
        ("L-100", "absent", 1),
        ("L-100", "unpaid", 1),
    ]
    # Over four months the unpaid worker was not employed since the window's start: no longer a signal.
    assert [signal.kind for signal in selectors.marginal_signals(months=4, kinds=("unpaid",))] == []
    assert [s.kind for s in selectors.marginal_signals(governorate="KW-KU")] == ["absent", "unpaid"]


def test_the_inspectors_report_filters_exports_and_links_to_the_evidence(establishments, client):
    import_wages(GOOD, file_name="wps.csv", today=TODAY)
    client.force_login(factories.staff("msal.editor"))
    url = reverse("labour_signals")
    page = client.get(url).content.decode()
    assert "L-200" in page and "L-100" in page
    evidence = reverse("labour_signal_evidence", args=["L-100", "unpaid"])
    assert f"{evidence}?months=3" in page
    only_unpaid = client.get(url, {"kind": "unpaid"}).content.decode()
    assert "L-200" not in only_unpaid and "L-100" in only_unpaid
    exported = client.get(url, {"kind": "unpaid", "export": "csv"})
    text = b"".join(exported.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and "L-100" in text and "L-200" not in text and evidence in text
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    shown = client.get(evidence).content.decode()
    assert civil_id_hash(UNPAID) in shown and UNPAID not in shown and PAID not in shown
    client.force_login(factories.staff("pam.editor"))
    assert client.get(url).status_code == 403
