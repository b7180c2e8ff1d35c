import csv
import io

import pytest
from django.core.management import call_command

from labour import codes as cl
from labour import demo
from labour.models import Observation
from labour.services import import_indicators, load_demo_cube
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cube():
    load_demo_cube()


def _get(client, path, **params):
    return client.get(f"/api/v1/labour/{path}/", params, HTTP_ACCEPT_LANGUAGE="en")


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_demo_is_shaped_on_published_figures_and_loading_it_again_adds_nothing(cube):
    cells = demo.build()
    total = cells[("EMP", "2024-Q1", *["_T"] * 6)]
    kuwaiti = cells[("EMP", "2024-Q1", "KWT", *["_T"] * 5)]
    private = cells[("EMP", "2024-Q1", "_T", "PRV", *["_T"] * 4)]
    private_kuwaiti = cells[("EMP", "2024-Q1", "KWT", "PRV", *["_T"] * 4)]
    assert 2_900_000 <= total <= 2_980_000
    assert 0.20 <= kuwaiti / total <= 0.22
    assert private_kuwaiti / private < 0.05
    assert Observation.objects.count() == len(cells)
    assert load_demo_cube() == 0


def test_demo_never_overwrites_a_changed_cell(cube):
    totals = {f"{dimension.lower()}__code": "_T" for dimension in cl.BREAKDOWNS}
    cell = Observation.objects.get(period="2024-Q1", measure__code="EMP", **totals)
    cell.value = 1
    cell.save()
    factories.portal_site()  # load_labour_demo puts its dashboard under the home pages
    call_command("load_labour_demo", stdout=io.StringIO())
    cell.refresh_from_db()
    assert cell.value == 1


def test_series_by_two_dimensions_reads_the_totals_of_the_others(client, cube):
    response = _get(
        client, "series", measure="EMP", by="nationality,sector", period_from="2024-Q1", period_to="2024-Q1"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["illustrative"] is True and "not official" in body["notice"]
    rows = {(row["nationality"], row["sector"]): row["value"] for row in body["rows"]}
    cells = demo.build()
    assert rows[("KWT", "PRV")] == cells[("EMP", "2024-Q1", "KWT", "PRV", *["_T"] * 4)]
    assert ("_T", "PRV") not in rows and ("KWT", "_T") not in rows
    assert body["labels"]["sector"]["PRV"] == "Private sector"
    assert {row["period"] for row in body["rows"]} == {"2024-Q1"}


def test_a_filter_of_several_codes_adds_them_up(client, cube):
    body = _get(
        client, "series", measure="EMP", nationality="GCC,ARB", period_from="2024-Q1", period_to="2024-Q1"
    ).json()
    cells = demo.build()
    expected = sum(cells[("EMP", "2024-Q1", group, *["_T"] * 5)] for group in ("GCC", "ARB"))
    assert body["rows"] == [{"period": "2024-Q1", "value": expected}]


def _cells_by_code():
    """Every observation as ({dimension: code}, value), read without the `breakdown` column."""
    names = ["measure__code", "period", *(f"{dimension.lower()}__code" for dimension in cl.BREAKDOWNS), "value"]
    for row in Observation.objects.values_list(*names):
        yield dict(zip(["MEASURE", "period", *cl.BREAKDOWNS], row[:-1], strict=True)), row[-1]


def test_every_cell_knows_which_of_its_breakdowns_are_not_totals(cube):
    """`breakdown`, which the reads' index is on, says of each cell which dimensions are off their total — whichever
    way it was written (the demo, a first import, an import that updates)."""
    import_indicators(
        b"MEASURE,NATIONALITY,SEX,TIME_PERIOD,OBS_VALUE\nEMP,KWT,F,2024-Q1,5\nEMP,_T,M,2024-Q1,7\n", file_name="x.csv"
    )
    import_indicators(b"MEASURE,NATIONALITY,SEX,TIME_PERIOD,OBS_VALUE\nEMP,KWT,F,2024-Q1,6\n", file_name="y.csv")
    for cell in Observation.objects.select_related(*(dimension.lower() for dimension in cl.BREAKDOWNS)):
        expected = sum(
            1 << bit for bit, dimension in enumerate(cl.BREAKDOWNS) if getattr(cell, dimension.lower()).code != "_T"
        )
        assert cell.breakdown == expected, cell


@pytest.mark.parametrize(
    "params",
    [
        {"by": f"{first},{second}"}
        for position, first in enumerate(cl.DIMENSION_NAMES)
        for second in list(cl.DIMENSION_NAMES)[position + 1 :]
    ]
    + [{"by": "sector", "nationality": "_T,KWT"}, {"by": "activity", "sector": "PRV,GOV"}, {"nationality": "_T"}],
)
def test_a_series_is_what_its_cells_say_for_every_pair_of_dimensions(client, cube, params):
    """The API, which reads through the index on `breakdown`, against the cells read one by one: the dimensions of
    `by` off their total, a filtered one within its codes, every other at its total."""
    body = _get(client, "series", measure="EMP", **params).json()
    by = [name.upper() for name in params.get("by", "").split(",") if name]
    filters = {name.upper(): value.split(",") for name, value in params.items() if name != "by"}
    expected = {}
    for cell, value in _cells_by_code():
        if cell["MEASURE"] != "EMP":
            continue
        if all(
            cell[dimension] in filters[dimension]
            if dimension in filters
            else (cell[dimension] != "_T") == (dimension in by)
            for dimension in cl.BREAKDOWNS
        ):
            key = (cell["period"], *(cell[dimension] for dimension in by))
            expected[key] = expected.get(key, 0) + value
    got = {(row["period"], *(row[dimension.lower()] for dimension in by)): row["value"] for row in body["rows"]}
    assert got == expected


def test_kuwaitisation_rate_is_computed_by_sector_over_time(client, cube):
    body = _get(client, "kuwaitisation", by="sector", sector="PRV,GOV").json()
    private = [row for row in body["rows"] if row["sector"] == "PRV"]
    assert len(private) == 20  # 2021-Q1 … 2025-Q4
    first = private[0]
    assert first["period"] == "2021-Q1"
    assert first["rate"] == round(100 * first["kuwaiti"] / first["workers"], 2)
    assert all(row["rate"] < 5 for row in private)
    government = next(row for row in body["rows"] if row["sector"] == "GOV")
    assert government["rate"] > 70


def test_kuwaitisation_by_activity_within_the_private_sector(client, cube):
    body = _get(client, "kuwaitisation", by="activity", sector="PRV", period_from="2024-Q1", period_to="2024-Q1").json()
    rates = {row["activity"]: row["rate"] for row in body["rows"]}
    assert rates["K"] > rates["F"]  # banking employs far more Kuwaitis than construction
    assert rates["F"] == 0


def test_csv_is_written_by_core_exports_and_says_illustrative(client, cube):
    response = _get(
        client, "series", measure="EMP", by="sector", period_from="2024-Q1", period_to="2024-Q1", format="csv"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "illustrative" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["period", "sector", "sector_label", "value", "note"]
    assert ["2024-Q1", "PRV", "Private sector"] in [row[:3] for row in rows]
    assert all("not official" in row[-1] for row in rows[1:])


def test_sdmx_csv_round_trips_through_the_importer(client, cube):
    response = _get(
        client,
        "series",
        measure="EMP",
        by="nationality,sector",
        period_from="2024-Q1",
        period_to="2024-Q4",
        format="sdmx-csv",
    )
    assert response["Content-Type"].startswith("application/vnd.sdmx.data+csv")
    data = b"".join(response.streaming_content)
    header = _csv_rows(data)[0]
    assert header[:3] == ["DATAFLOW", "MEASURE", "NATIONALITY"] and "OBS_VALUE" in header
    record = import_indicators(data, file_name="round-trip.csv", dataset=Observation.objects.first().dataset)
    assert record.created == 0 and record.updated == 0 and record.unchanged == record.rows > 0


def _csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "params,field",
    [
        ({"by": "sector"}, "measure"),
        ({"measure": "NOPE"}, "measure"),
        ({"measure": "EMP", "by": "colour"}, "by"),
        ({"measure": "EMP", "by": "sector,sex,activity,governorate"}, "by"),
        ({"measure": "EMP", "sector": "XYZ"}, "sector"),
        ({"measure": "EMP", "period_from": "2024-Q9"}, "period_from"),
        ({"measure": "EMP", "frequency": "W"}, "frequency"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, params, field):
    response = _get(client, "series", **params)
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["code"].startswith("labour_")


def test_a_bad_parameter_is_json_even_when_a_file_was_asked_for(client):
    response = _get(client, "series", measure="NOPE", format="csv")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


def test_refusals_are_in_the_users_language(client):
    response = client.get("/api/v1/labour/series/", {"measure": "EMP", "sector": "XYZ"}, HTTP_ACCEPT_LANGUAGE="ar")
    assert "ليس رمزاً" in response.json()["detail"]


def test_code_lists_carry_both_labels(client):
    body = _get(client, "codes").json()["dimensions"]
    assert {"code": "KW-FA", "label_ar": "الفروانية", "label_en": "Farwaniya", "parent": ""} in body["governorate"]
    assert len([code for code in body["activity"] if code["code"] != "_T"]) == 21


def test_the_routes_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for route in ("/api/v1/labour/codes/", "/api/v1/labour/series/", "/api/v1/labour/kuwaitisation/"):
        assert route in schema
    assert "application/vnd.sdmx.data+csv" in schema


@pytest.mark.parametrize("path", ["/api/v1/labour/series/", "/api/v1/labour/kuwaitisation/"])
@pytest.mark.parametrize("file_format", ["csv", "sdmx-csv"])
def test_options_with_a_file_format_is_described_in_json_not_a_500(client, path, file_format):
    # found by the fuzzer (tests/api/test_fuzz.py): the file renderers were asked to render OPTIONS' description
    response = client.options(path, {"format": file_format, "measure": "EMP"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"]
