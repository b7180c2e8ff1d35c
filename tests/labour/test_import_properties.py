"""Properties of the indicator file formats (labour.formats, labour.services.import_indicators): whatever the
bytes, reading never fails — a bad file is refused with its problems by line and column, and a file that is
accepted is written whole."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from labour.formats import check_file
from labour.models import Observation
from labour.services import code_index, import_indicators

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)
HEADER = "DATAFLOW,MEASURE,NATIONALITY,SECTOR,ACTIVITY,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
ILOSTAT_HEADER = "ref_area,source,indicator,sex,classif1,classif2,time,obs_value,obs_status"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CELL = st.one_of(
    st.sampled_from(["EMP", "KWT", "NKW", "_T", "PRV", "K", "A", "P", "2024-Q1", "2024-03", "2024", "0000", "2024-Q5"]),
    st.sampled_from(["", " ", "-1", "1.5", "1e30", "1E+999999999", "NaN", "Infinity", "9" * 5000, "٢٠٢٤", "12,5"]),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=12),
)
VALUE = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(["-1", "1.5", "1e30", "1E+999999999", "NaN", "-Infinity", "9" * 5000, "٣٤", "9223372036854775808"]),
    st.decimals(allow_nan=True).map(str),
    st.text(max_size=8),
)
PERIOD = st.one_of(
    st.sampled_from(["2024", "2024-Q1", "2024-03", "2024-13", "0000", "9999-Q4", "٢٠٢٤", "2024Q1", "2030"]),
    st.text(max_size=8),
)


def csv_text(rows):
    return "\n".join(",".join(f'"{cell}"' if ("," in cell or '"' in cell) else cell for cell in row) for row in rows)


@st.composite
def sdmx_files(draw):
    rows = draw(st.lists(st.lists(CELL, min_size=7, max_size=10), max_size=6))
    return (HEADER + "\n" + csv_text([["KW_MSAL:LABOUR(1.0)", *row] for row in rows])).encode("utf-8")


@st.composite
def ilostat_files(draw):
    rows = draw(st.lists(st.lists(CELL, min_size=8, max_size=9), max_size=6))
    return (ILOSTAT_HEADER + "\n" + csv_text([["KWT", *row] for row in rows])).encode("utf-8")


@st.composite
def nearly_valid_sdmx(draw):
    """Rows with good codes and a value and period from anywhere: the cases that reach the database."""
    rows = [
        [
            "KW_MSAL:LABOUR(1.0)",
            "EMP",
            draw(st.sampled_from(["KWT", "NKW", "_T"])),
            "PRV",
            "K",
            "_T",
            draw(PERIOD),
            draw(VALUE),
            "A",
        ]
        for _ in range(draw(st.integers(1, 4)))
    ]
    return (HEADER + "\n" + csv_text(rows)).encode("utf-8")


@pytest.fixture
def codes():
    return code_index()


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), sdmx_files(), ilostat_files()))
def test_any_bytes_are_read_or_refused_by_line(codes, data):
    checked = check_file(data, codes, today=TODAY)
    assert checked.problem_count >= len(checked.problems)
    for problem in checked.problems:
        assert problem.line >= 1 and str(problem)
    if not checked.problems:
        assert checked.file_format in ("sdmx-csv", "ilostat")


@SETTINGS
@given(data=nearly_valid_sdmx())
def test_a_file_is_imported_whole_or_refused_whole(db, data):
    before = Observation.objects.count()
    try:
        record = import_indicators(data, file_name="fuzz.csv", today=TODAY)
    except InvalidInput as refusal:  # IndicatorFileRefused, or a file without observations
        assert refusal.message
        assert Observation.objects.count() == before
    else:
        assert Observation.objects.count() == before + record.created


@pytest.mark.parametrize("value", ["9223372036854775808", "1e30", "1E+999999999", "9" * 5000])
def test_a_count_too_large_for_a_cell_is_a_problem_of_its_line_not_a_crash(codes, value):
    data = f"{HEADER}\nKW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q1,{value},A\n".encode()
    checked = check_file(data, codes, today=TODAY)
    assert [(problem.line, problem.column) for problem in checked.problems] == [(2, "OBS_VALUE")]
    assert "too large" in checked.problems[0].message and len(checked.problems[0].message) < 100
