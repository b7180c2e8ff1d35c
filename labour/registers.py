"""Reading the authority's register of establishments and their workforce (a CSV file, UTF-8):

    licence_number,name_ar,name_en,activity,isic_division,governorate,licensed_capacity,nationality,occupation,workers

One line per establishment, nationality group and occupation; an establishment's own columns repeat on each of
its lines and must agree. Codes are the cube's (activity: ISIC section; governorate: ISO 3166-2:KW;
nationality: KWT or a non-Kuwaiti group; occupation: ISCO-08 major group). Nothing here writes;
`labour.services.import_establishments` does, all of the file or none of it.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import codes as cl
from .formats import open_columns

COLUMNS = (
    "licence_number",
    "name_ar",
    "name_en",
    "activity",
    "isic_division",
    "governorate",
    "licensed_capacity",
    "nationality",
    "occupation",
    "workers",
)


@dataclass
class RegisterEntry:
    line: int
    fields: dict  # the establishment's own columns, resolved
    workforce: dict = field(default_factory=dict)  # (nationality_id, occupation_id) -> workers


def _whole(text):
    return int(text) if text.isdigit() else None


def _code(checked, code_ids, line, value, column, dimension):
    """The id of a detailed code (never a total: a register counts real workers), or None after saying so."""
    code_id = None if value[column] == cl.TOTAL else code_ids[dimension].get(value[column])
    if code_id is None:
        checked.add(line, column, _("unknown code “%(code)s”") % {"code": value[column]})
    return code_id


def _read_line(line, value, code_ids, checked):
    """(establishment fields, nationality id, occupation id, workers) of one line, or None after saying why."""
    problems = checked.problem_count
    if not value["licence_number"]:
        checked.add(line, "licence_number", _("the licence number is missing"))
    if not value["name_ar"]:
        checked.add(line, "name_ar", _("the Arabic name is missing"))
    division = value["isic_division"]
    if division and not (len(division) == 2 and division.isdigit()):
        checked.add(line, "isic_division", _("an ISIC division is two digits"))
    fields = {
        "name_ar": value["name_ar"],
        "name_en": value["name_en"],
        "activity_id": _code(checked, code_ids, line, value, "activity", cl.ACTIVITY),
        "isic_division": division,
        "governorate_id": _code(checked, code_ids, line, value, "governorate", cl.GOVERNORATE),
        "licensed_capacity": _whole(value["licensed_capacity"]),
    }
    if fields["licensed_capacity"] is None:
        checked.add(
            line, "licensed_capacity", _("“%(value)s” is not a whole count") % {"value": value["licensed_capacity"]}
        )
    if value["nationality"] == "NKW":
        checked.add(line, "nationality", _("give the nationality group (GCC, ARB, ASI, AFR, OTH), not NKW"))
        nationality = None
    else:
        nationality = _code(checked, code_ids, line, value, "nationality", cl.NATIONALITY)
    occupation = _code(checked, code_ids, line, value, "occupation", cl.OCCUPATION)
    workers = _whole(value["workers"])
    if workers is None:
        checked.add(line, "workers", _("“%(value)s” is not a whole count") % {"value": value["workers"]})
    if checked.problem_count > problems:
        return None
    return fields, nationality, occupation, workers


def check_register(data, code_ids):
    """{licence number: RegisterEntry} and a `Checked` carrying the problems (line and column)."""
    checked, at, lines = open_columns(data, COLUMNS, "register")
    if at is None:
        return {}, checked
    entries = {}
    for line, row in lines:
        value = {name: row[index].strip() for name, index in at.items()}
        read = _read_line(line, value, code_ids, checked)
        if read is None:
            continue
        fields, nationality, occupation, workers = read
        entry = entries.setdefault(value["licence_number"], RegisterEntry(line, fields))
        if entry.fields != fields:
            checked.add(
                line,
                "",
                _("the establishment's columns differ from line %(line)d") % {"line": entry.line},
            )
            continue
        key = (nationality, occupation)
        if key in entry.workforce:
            checked.add(line, "", _("the same nationality and occupation twice for this establishment"))
            continue
        entry.workforce[key] = workers
    return entries, checked
