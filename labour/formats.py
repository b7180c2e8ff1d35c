"""Reading indicator files: SDMX-CSV and ILOSTAT's bulk CSV, into checked cells of the cube.

Both readers give the same thing: a list of `Cell`s, or every problem found, each with its line and column,
worded in the active language. Nothing here writes; `labour.services.import_indicators` does.

SDMX-CSV (1.0 and 2.0): one column per dimension, named by its id (`MEASURE`, `NATIONALITY`, `SECTOR`,
`ACTIVITY`, `OCCUPATION`, `SEX`, `GOVERNORATE`), then `TIME_PERIOD`, `OBS_VALUE` and optionally `OBS_STATUS`.
The leading `DATAFLOW` (1.0) or `STRUCTURE`, `STRUCTURE_ID`, `ACTION` (2.0) columns and `REF_AREA` (which must
be Kuwait) are read and otherwise ignored. A breakdown column left out means its total (`_T`). A value
written as `code: label` (SDMX-CSV's "both" labels) is read by its code.

ILOSTAT's bulk CSV: `ref_area`, `source`, `indicator`, `sex`, `classif1`, `classif2`, `time`, `obs_value`,
`obs_status` and notes. The indicator names the measure (ILOSTAT's employment indicators `EMP_TEMP_…_NB` are in
thousands); `classif1`/`classif2` carry ILOSTAT's prefixed codes (`ECO_ISIC4_C`, `OCU_ISCO08_2`,
`INS_SECTOR_PRI`) or the portal's own prefixes for what ILOSTAT has no list for (`NAT_KWT`, `GEO_KW-HA`).
docs/labour.md has the full mapping.
"""

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal, DecimalException, Overflow

from django.utils.translation import gettext as _

from . import codes as cl
from .models import period_start

MAX_PROBLEMS_KEPT = 1000
# The largest count a cell holds (the database's 64-bit integer); a larger one is refused, not overflowed.
MAX_COUNT = 2**63 - 1


def shown(text, limit=40):
    """A cell as a problem quotes it: at most `limit` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self):
        if self.column:
            return _("line %(line)d, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Checked:
    """What a file says, checked: the cells by key, and the problems (empty when the file can be imported)."""

    file_format: str
    rows: int
    cells: dict  # key (measure_id, period, nationality_id, …) -> (value, status_id, frequency, start, line)
    problems: list
    problem_count: int = 0

    def add(self, line, column, message):
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(Problem(line, column, message))


def decode(data):
    """The file's text, or a Problem naming the line where it stops being UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, Problem(
            line,
            "",
            _("the file is not UTF-8 text (byte %(column)d of the line); save it as CSV UTF-8 and try again")
            % {"column": column},
        )


SDMX_DIMENSION_COLUMNS = cl.DIMENSIONS
SDMX_IGNORED = {
    "DATAFLOW",
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "REF_AREA",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_COMMENT",
}
ILOSTAT_COLUMNS = ("ref_area", "indicator", "sex", "time", "obs_value")
ILOSTAT_CLASSIF_PREFIXES = {
    "ECO_ISIC4_": cl.ACTIVITY,
    "OCU_ISCO08_": cl.OCCUPATION,
    "NAT_": cl.NATIONALITY,
    "GEO_": cl.GOVERNORATE,
}
ILOSTAT_SECTORS = {
    "INS_SECTOR_TOTAL": cl.TOTAL,
    "INS_SECTOR_PUB": "GOV",
    "INS_SECTOR_PRI": "PRV",
    "INS_SECTOR_HH": "DOM",
}
KUWAIT_AREAS = {"KW", "KWT"}


def detect_format(header):
    names = {name.strip() for name in header}
    if {"TIME_PERIOD", "OBS_VALUE"} <= names:
        return "sdmx-csv"
    if set(ILOSTAT_COLUMNS) <= names:
        return "ilostat"
    return None


def check_file(data, code_ids, *, today=None, progress=None):
    """Read `data` (bytes) as SDMX-CSV or ILOSTAT bulk CSV. `code_ids` is {dimension: {code: id}}."""
    today = today or datetime.date.today()
    text, problem = decode(data)
    if problem:
        return Checked("", 0, {}, [problem], 1)
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    file_format = detect_format(header or [])
    if file_format is None:
        return Checked(
            "",
            0,
            {},
            [
                Problem(
                    1,
                    "",
                    _(
                        "the first line names neither SDMX-CSV columns (TIME_PERIOD, OBS_VALUE, …) nor ILOSTAT's "
                        "(ref_area, indicator, sex, time, obs_value, …)"
                    ),
                )
            ],
            1,
        )
    header = [name.strip() for name in header]
    checked = Checked(file_format, 0, {}, [])
    reader_class = SdmxRow if file_format == "sdmx-csv" else IlostatRow
    row_reader = reader_class(header, code_ids, checked, today)
    if not row_reader.usable:
        return checked
    for line, row in data_lines(reader, len(header), checked, progress):
        row_reader.read(line, row)
    return checked


def data_lines(reader, width, checked, progress=None):
    """(line number, fields) of each line after the header that is not empty and has `width` fields; a line with
    too few or too many is reported to `checked`. Every line counts in `checked.rows`."""
    for line, row in enumerate(reader, start=2):
        if progress:
            progress()
        if not any(row):  # an empty line, or one of empty fields as spreadsheets leave at the end
            continue
        checked.rows += 1
        if len(row) != width:
            checked.add(
                line,
                "",
                _("%(found)d fields where the header has %(expected)d") % {"found": len(row), "expected": width},
            )
            continue
        yield line, row


def open_columns(data, columns, file_format, progress=None):
    """A file of named columns: (Checked, {column: position}, its lines as `data_lines` gives them). The
    positions are None, and the problems in Checked, when the file is not UTF-8 or a column is missing."""
    checked = Checked(file_format, 0, {}, [])
    text, problem = decode(data)
    if problem:
        checked.add(problem.line, problem.column, problem.message)
        return checked, None, None
    reader = csv.reader(text.splitlines())
    header = [name.strip() for name in next(reader, [])]
    for name in columns:
        if name not in header:
            checked.add(1, name, _("the column is missing"))
    if checked.problem_count:
        return checked, None, None
    at = {name: header.index(name) for name in columns}
    return checked, at, data_lines(reader, len(header), checked, progress)


class _RowReader:
    def __init__(self, header, code_ids, checked, today):
        self.header = header
        self.position = {name: index for index, name in enumerate(header)}
        self.code_ids = code_ids
        self.checked = checked
        self.today = today
        self.usable = True
        self.status_ids = code_ids[cl.OBS_STATUS]
        self.totals = {dimension: code_ids[dimension][cl.TOTAL] for dimension in cl.BREAKDOWNS}
        self.periods = {}  # the periods already read and found good: a file repeats a few of them on every line

    def code(self, line, column, dimension, value):
        code_id = self.code_ids[dimension].get(value)
        if code_id is None:
            known = ", ".join(list(self.code_ids[dimension])[:25])
            self.checked.add(
                line,
                column,
                _("unknown code “%(code)s” (known codes: %(known)s)") % {"code": shown(value), "known": known},
            )
        return code_id

    def period(self, line, column, period):
        known = self.periods.get(period)
        if known is not None:
            return known
        try:
            start, frequency = period_start(period)
        except ValueError:
            self.checked.add(
                line, column, _("“%(period)s” is not a period") % {"period": shown(period)} + self.period_hint
            )
            return None
        if start > self.today:
            self.checked.add(line, column, _("the period %(period)s has not begun yet") % {"period": period})
            return None
        self.periods[period] = (period, frequency, start)
        return self.periods[period]

    def count(self, line, column, text, multiplier=1):
        if text.isdigit() and text.isascii() and len(text) <= 18:
            number = int(text) * multiplier
        else:
            try:
                number = Decimal(text) * multiplier
            except Overflow:  # beyond what Decimal holds (1E+999999999)
                number = Decimal(MAX_COUNT + 1)
            except DecimalException:
                number = None
            if number is None or not number.is_finite():
                self.checked.add(line, column, _("“%(value)s” is not a number") % {"value": shown(text)})
                return None
            if number != number.to_integral_value():
                self.checked.add(line, column, _("“%(value)s” is not a whole count") % {"value": shown(text)})
                return None
        if number < 0:
            self.checked.add(line, column, _("a count cannot be negative (“%(value)s”)") % {"value": shown(text)})
            return None
        if number > MAX_COUNT:
            self.checked.add(line, column, _("“%(value)s” is too large for a count") % {"value": shown(text)})
            return None
        return int(number)

    def keep(self, line, key, value, status_id, frequency, start):
        earlier = self.checked.cells.get(key)
        if earlier is not None:
            self.checked.add(
                line, "", _("the same cell as line %(line)d (measure, period and breakdowns)") % {"line": earlier[4]}
            )
            return
        self.checked.cells[key] = (value, status_id, frequency, start, line)


class SdmxRow(_RowReader):
    period_hint = " (2024, 2024-Q1 or 2024-03)"

    def __init__(self, header, code_ids, checked, today):
        super().__init__(header, code_ids, checked, today)
        if cl.MEASURE not in self.position:
            checked.add(1, cl.MEASURE, _("the column is missing"))
            self.usable = False
        # (dimension, its column or None, its codes — or its total's id when the column is left out)
        self.columns = [
            (dimension, self.position[dimension], code_ids[dimension])
            if dimension in self.position
            else (dimension, None, self.totals.get(dimension))
            for dimension in SDMX_DIMENSION_COLUMNS
        ]
        allowed = {*SDMX_DIMENSION_COLUMNS, *SDMX_IGNORED, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"}
        for name in (name for name in header if name not in allowed):
            checked.add(1, name, _("not a column of this cube"))
            self.usable = False

    @staticmethod
    def value(row, index):
        text = row[index].strip()
        code, colon, _label = text.partition(": ")
        return code if colon else text

    def read(self, line, row):
        at = self.position
        ok = True
        if "REF_AREA" in at and self.value(row, at["REF_AREA"]) not in KUWAIT_AREAS:
            self.checked.add(line, "REF_AREA", _("only Kuwait (KW) is held here"))
            ok = False
        ids = []
        for dimension, index, known in self.columns:
            if index is None:
                ids.append(known)
                continue
            code_id = known.get(row[index])  # the common case: a bare code, no spaces, no label
            if code_id is None:
                code_id = self.code(line, dimension, dimension, self.value(row, index))
                ok = ok and code_id is not None
            ids.append(code_id)
        period = self.period(line, "TIME_PERIOD", row[at["TIME_PERIOD"]].strip())
        value = self.count(line, "OBS_VALUE", row[at["OBS_VALUE"]].strip())
        status_text = self.value(row, at["OBS_STATUS"]) if "OBS_STATUS" in at else ""
        status_id = self.code(line, "OBS_STATUS", cl.OBS_STATUS, status_text or cl.NORMAL_STATUS)
        if ok and period and value is not None and status_id:
            key = (ids[0], period[0], *ids[1:])
            self.keep(line, key, value, status_id, period[1], period[2])


class IlostatRow(_RowReader):
    period_hint = " (2024, 2024Q1 or 2024M03)"

    def __init__(self, header, code_ids, checked, today):
        super().__init__(header, code_ids, checked, today)
        self.measures = code_ids[cl.MEASURE]

    def measure(self, line, indicator):
        """ILOSTAT's employment indicators (`EMP_TEMP_…_NB`) are in thousands; the portal's own measures
        (`WP_ISS_NB`, …) are plain counts."""
        if indicator.startswith("EMP_TEMP_") and indicator.endswith("_NB"):
            return self.measures["EMP"], 1000
        if indicator.endswith("_NB") and indicator[:-3] in self.measures:
            return self.measures[indicator[:-3]], 1
        self.checked.add(line, "indicator", _("unknown indicator “%(code)s”") % {"code": indicator})
        return None, 1

    def classification(self, line, column, text, ids):
        """Put an ILOSTAT classification code into its dimension in `ids`; False when it is unknown."""
        if not text:
            return True
        if text in ILOSTAT_SECTORS:
            ids[cl.SECTOR] = self.code_ids[cl.SECTOR][ILOSTAT_SECTORS[text]]
            return True
        for prefix, dimension in ILOSTAT_CLASSIF_PREFIXES.items():
            if text.startswith(prefix):
                code = text[len(prefix) :]
                code = cl.TOTAL if code in ("TOTAL", "T") else code
                code_id = self.code(line, column, dimension, code)
                if code_id is None:
                    return False
                ids[dimension] = code_id
                return True
        self.checked.add(line, column, _("unknown classification “%(code)s”") % {"code": text})
        return False

    @staticmethod
    def sdmx_period(text):
        if len(text) == 6 and text[4] == "Q":
            return f"{text[:4]}-{text[4:]}"
        if len(text) == 7 and text[4] == "M":
            return f"{text[:4]}-{text[5:]}"
        return text

    def read(self, line, row):
        at = self.position

        def field(name):
            return row[at[name]].strip() if name in at else ""

        ok = True
        if field("ref_area") not in KUWAIT_AREAS:
            self.checked.add(line, "ref_area", _("only Kuwait (KWT) is held here"))
            ok = False
        measure_id, multiplier = self.measure(line, field("indicator"))
        ids = dict(self.totals)
        sex = field("sex")
        sex_code = {"SEX_T": cl.TOTAL, "SEX_M": "M", "SEX_F": "F"}.get(sex)
        if sex_code is None:
            self.checked.add(
                line, "sex", _("unknown code “%(code)s” (known codes: SEX_T, SEX_M, SEX_F)") % {"code": sex}
            )
            ok = False
        else:
            ids[cl.SEX] = self.code_ids[cl.SEX][sex_code]
        for column in ("classif1", "classif2"):
            ok = self.classification(line, column, field(column), ids) and ok
        time = field("time")
        period = self.period(line, "time", self.sdmx_period(time)) if time else None
        if not time:
            self.checked.add(line, "time", _("the period is missing"))
        value = self.count(line, "obs_value", field("obs_value"), multiplier)
        status_id = self.code(line, "obs_status", cl.OBS_STATUS, field("obs_status") or cl.NORMAL_STATUS)
        if ok and measure_id and period and value is not None and status_id:
            key = (measure_id, period[0], *(ids[dimension] for dimension in cl.BREAKDOWNS))
            self.keep(line, key, value, status_id, period[1], period[2])
