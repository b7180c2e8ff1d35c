"""The ministry's view of a consultation's responses in the admin: counts per question and the exports
(CSV with a byte order mark, XLSX right-to-left), pseudonymous and for staff only."""

import csv
import io

import pytest
from openpyxl import load_workbook

from participation.services.consultations import respond_to_consultation
from tests import factories

from .conftest import make_citizen
from .consultations_helpers import GOOD_ANSWERS, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(factories.staff("admin"))
    return client


def _responded(page, count=2):
    citizens = [make_citizen("L1") for _ in range(count)]
    respond_to_consultation(citizens[0], page, GOOD_ANSWERS)
    for citizen in citizens[1:]:
        respond_to_consultation(citizen, page, {"support": "لا أؤيد", "clarity": 2})
    return citizens


def test_the_responses_screen_counts_answers_per_question(staff_client):
    page = make_consultation()
    _responded(page)
    response = staff_client.get(f"/admin/participation/consultations/{page.pk}/responses/")
    assert response.status_code == 200
    tally = response.context["tally"]
    assert tally["responses"] == 2
    support = next(question for question in tally["questions"] if question["key"] == "support")
    assert [(row["value"], row["count"]) for row in support["counts"]] == [("أؤيد", 1), ("لا أؤيد", 1)]
    html = response.content.decode()
    assert f"/admin/participation/consultations/{page.pk}/responses.csv" in html
    assert f"/admin/participation/consultations/{page.pk}/responses.xlsx" in html


def test_the_csv_export_has_one_row_per_response_under_a_pseudonym(staff_client):
    page = make_consultation()
    citizens = _responded(page)
    response = staff_client.get(f"/admin/participation/consultations/{page.pk}/responses.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Arabic as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["respondent", "submitted", "changed", "support", "clarity", "articles", "remarks"]
    assert len(rows) == 3
    assert rows[1][3:] == ["أؤيد", "4", "الأولى; الثانية", "اقتراح واضح"]
    for citizen in citizens:
        assert citizen.username not in text and citizen.email not in text
    assert len({row[0] for row in rows[1:]}) == 2


def test_the_xlsx_export_is_right_to_left_for_an_arabic_consultation(staff_client):
    page = make_consultation()
    _responded(page, count=1)
    response = staff_client.get(f"/admin/participation/consultations/{page.pk}/responses.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.sheet_view.rightToLeft
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("respondent", "submitted", "changed", "support")
    assert rows[1][3:5] == ("أؤيد", 4)


def test_an_english_page_exports_the_responses_of_the_whole_consultation(staff_client):
    arabic, english = make_consultation(english=True)
    _responded(english)
    response = staff_client.get(f"/admin/participation/consultations/{english.pk}/responses.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert len(list(csv.reader(io.StringIO(text)))) == 3


def test_citizens_and_editors_of_other_sections_cannot_export(client):
    page = make_consultation()
    _responded(page, count=1)
    client.force_login(factories.staff("moci.editor"))
    assert client.get(f"/admin/participation/consultations/{page.pk}/responses.csv").status_code in (302, 403)
    client.force_login(make_citizen("L2"))
    response = client.get(f"/admin/participation/consultations/{page.pk}/responses.csv")
    assert response.status_code in (302, 403)
    assert not hasattr(response, "streaming_content")


def test_an_unknown_export_format_is_not_found(staff_client):
    page = make_consultation()
    assert staff_client.get(f"/admin/participation/consultations/{page.pk}/responses.pdf").status_code == 404
