import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from labour import codes as cl
from labour.models import Code, IndicatorImport, Observation
from labour.services import IndicatorFileRefused, import_indicators

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 4)

SDMX = """DATAFLOW,MEASURE,NATIONALITY,SECTOR,ACTIVITY,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS
KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q1,12500,A
KW_MSAL:LABOUR(1.0),EMP,NKW,PRV,K,_T,2024-Q1,9800,
KW_MSAL:LABOUR(1.0),EMP,_T,PRV,K,_T,2024-Q1,22300,P
KW_MSAL:LABOUR(1.0),WP_ISS: Work permits issued,_T,PRV,_T,_T,2024-03,4100,A
"""

ILOSTAT = """ref_area,source,indicator,sex,classif1,classif2,time,obs_value,obs_status,note_classif,note_indicator,note_source
KWT,BA:1,EMP_TEMP_SEX_ECO_NB,SEX_T,ECO_ISIC4_TOTAL,,2024Q1,2940.125,,,,
KWT,BA:1,EMP_TEMP_SEX_ECO_NB,SEX_F,ECO_ISIC4_C,INS_SECTOR_PRI,2024Q1,15.3,E,,,
KWT,BA:1,EMP_TEMP_SEX_ECO_NB,SEX_M,ECO_ISIC4_C,NAT_KWT,2023,4,,,,
KWT,BA:1,WP_CAN_NB,SEX_T,GEO_KW-JA,,2024M02,310,,,,
"""


def _import(text, **kwargs):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_indicators(data, file_name="test.csv", today=TODAY, **kwargs)


def _code(dimension, code):
    return Code.objects.get(dimension=dimension, code=code)


def _cells():
    return sorted(Observation.objects.values_list("measure__code", "period", "value", "status__code", "changed_at"))


def test_code_lists_are_reference_data_with_both_labels():
    assert Code.objects.filter(dimension=cl.ACTIVITY).exclude(code=cl.TOTAL).count() == 21
    assert Code.objects.filter(dimension=cl.OCCUPATION).exclude(code=cl.TOTAL).count() == 10
    assert Code.objects.filter(dimension=cl.GOVERNORATE).exclude(code=cl.TOTAL).count() == 6
    jahra = _code(cl.GOVERNORATE, "KW-JA")
    assert (jahra.label_en, jahra.label_ar) == ("Jahra", "الجهراء")
    with translation.override("ar"):
        assert _code(cl.SECTOR, "PRV").label == "القطاع الأهلي (الخاص)"
    assert _code(cl.NATIONALITY, "ASI").parent == "NKW"


def test_sdmx_csv_is_imported_cell_by_cell_with_missing_breakdowns_at_their_total():
    record = _import(SDMX)
    assert (record.file_format, record.rows, record.created) == ("sdmx-csv", 4, 4)
    kuwaiti = Observation.objects.get(nationality__code="KWT")
    assert (kuwaiti.value, kuwaiti.sector.code, kuwaiti.activity.code, kuwaiti.occupation.code) == (
        12500,
        "PRV",
        "K",
        "_T",
    )
    assert kuwaiti.frequency == "Q" and kuwaiti.period_start == datetime.date(2024, 1, 1)
    assert Observation.objects.get(nationality__code="NKW").status.code == "A"  # empty status: a normal value
    permits = Observation.objects.get(measure__code="WP_ISS")
    assert (permits.period, permits.frequency, permits.value) == ("2024-03", "M", 4100)
    assert permits.dataset.code == "msal" and not permits.dataset.illustrative


def test_ilostat_bulk_csv_maps_indicators_classifications_and_thousands():
    record = _import(ILOSTAT)
    assert (record.file_format, record.created) == ("ilostat", 4)
    total = Observation.objects.get(measure__code="EMP", period="2024-Q1", sex__code="_T")
    assert total.value == 2_940_125  # ILOSTAT's employment figures are in thousands
    women = Observation.objects.get(sex__code="F")
    assert (women.activity.code, women.sector.code, women.value, women.status.code) == ("C", "PRV", 15_300, "E")
    men = Observation.objects.get(sex__code="M")
    assert (men.period, men.frequency, men.nationality.code) == ("2023", "A", "KWT")
    cancelled = Observation.objects.get(measure__code="WP_CAN")
    assert (cancelled.governorate.code, cancelled.period, cancelled.value) == ("KW-JA", "2024-02", 310)


def test_importing_the_same_file_again_changes_nothing():
    _import(SDMX)
    before = _cells()
    record = _import(SDMX)
    assert (record.created, record.updated, record.unchanged) == (0, 0, 4)
    assert _cells() == before
    assert IndicatorImport.objects.count() == 2


def test_a_changed_value_updates_only_its_cell():
    _import(SDMX)
    record = _import(SDMX.replace("12500,A", "12600,A"))
    assert (record.created, record.updated, record.unchanged) == (0, 1, 3)
    assert Observation.objects.get(nationality__code="KWT").value == 12600


def _problems(text):
    with pytest.raises(IndicatorFileRefused) as refused:
        _import(text)
    return [(problem.line, problem.column) for problem in refused.value.problems], refused.value


def test_every_bad_row_is_reported_by_line_and_column_and_nothing_is_written():
    bad = (
        SDMX
        + "KW_MSAL:LABOUR(1.0),EMP,XXX,PRV,K,_T,2024-Q1,1,A\n"  # line 6: unknown nationality
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2027-Q1,1,A\n"  # line 7: a period that has not begun
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q2,-5,A\n"  # line 8: negative
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q3,12.5,A\n"  # line 9: not a whole count
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q1,1,A\n"  # line 10: the same cell as line 2
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV,K,_T,2024-Q5,1,Z\n"  # line 11: not a period, unknown status
        + "KW_MSAL:LABOUR(1.0),EMP,KWT,PRV\n"  # line 12: too few fields
    )
    where, refusal = _problems(bad)
    assert where == [
        (6, "NATIONALITY"),
        (7, "TIME_PERIOD"),
        (8, "OBS_VALUE"),
        (9, "OBS_VALUE"),
        (10, ""),
        (11, "TIME_PERIOD"),
        (11, "OBS_STATUS"),
        (12, ""),
    ]
    assert refusal.problem_count == 8
    assert "line 2" in refusal.problems[4].message
    assert Observation.objects.count() == 0 and IndicatorImport.objects.count() == 0


def test_problems_are_worded_in_the_users_language():
    with translation.override("ar"):
        with pytest.raises(IndicatorFileRefused) as refused:
            _import(SDMX.replace(",K,", ",ZZ,", 1))
        problem = refused.value.problems[0]
        assert str(problem).startswith("السطر 2، العمود ACTIVITY")
        assert "رمز غير معروف" in problem.message
        assert "لم يُستورد الملف" in refused.value.message


def test_a_file_in_another_encoding_is_refused_with_its_line():
    data = SDMX.replace("EMP,NKW", "EMP,NKW").encode(
        "utf-8"
    ) + "KW_MSAL:LABOUR(1.0),EMP,KWT,GOV,K,_T,2024-Q1,1,A ملاحظة\n".encode("cp1256")
    where, refusal = _problems(data)
    assert where == [(6, "")]
    assert "UTF-8" in refusal.problems[0].message
    assert Observation.objects.count() == 0


def test_an_unknown_column_or_format_is_refused_on_line_one():
    where, _refusal = _problems(SDMX.replace("SEX,TIME_PERIOD", "AGE,TIME_PERIOD"))
    assert where == [(1, "AGE")]
    where, _refusal = _problems("a,b,c\n1,2,3\n")
    assert where == [(1, "")]


def test_ilostat_problems_name_ilostat_columns():
    bad = (
        ILOSTAT
        + "KWT,BA:1,EMP_TEMP_SEX_ECO_NB,SEX_X,ECO_ISIC4_Z,XYZ_1,2024Q1,0.0004,,,,\nSAU,BA:1,UNE_TUNE_NB,SEX_T,,,2024,1,,,,\n"
    )
    where, _refusal = _problems(bad)
    assert where == [(6, "sex"), (6, "classif1"), (6, "classif2"), (6, "obs_value"), (7, "ref_area"), (7, "indicator")]


def test_command_reports_problems_and_exits_with_an_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(SDMX.replace("12500", "-1"), encoding="utf-8")
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_indicators", str(path), "--no-progress", "--language", "en", stderr=errors)
    assert "bad.csv: line 2, column OBS_VALUE: a count cannot be negative" in errors.getvalue()
    assert Observation.objects.count() == 0


def test_command_imports_and_says_what_changed(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(SDMX, encoding="utf-8")
    out = io.StringIO()
    call_command("import_indicators", str(path), "--no-progress", "--language", "en", stdout=out)
    assert "4 cells created, 0 updated, 0 unchanged" in out.getvalue()
