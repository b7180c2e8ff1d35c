"""Reading a wage-protection file (نظام حماية الأجور): one line per worker of an establishment per month, CSV
UTF-8 (docs/labour.md describes it):

    licence_number,civil_id,month,salary_fils,absence_reported

`licence_number` an establishment the portal knows; `civil_id` the worker's civil ID (12 digits; only its keyed
hash is kept); `month` YYYY-MM, begun already; `salary_fils` the salary transferred that month in fils, a whole
count (0: nothing was transferred); `absence_reported` 1 when the employer reported the worker absent that month,
0 or empty otherwise. Nothing here writes; `labour.services.import_wages` does, all of the file or none of it.
"""

import datetime

from django.utils.translation import gettext as _

from identity.national_id import civil_id_hash

from .formats import open_columns

COLUMNS = ("licence_number", "civil_id", "month", "salary_fils", "absence_reported")


def _month(text):
    """The first day of a month written YYYY-MM, or None."""
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < 1950:
        return None
    return datetime.date(year, month, 1)


def check_wages(data, establishment_ids, *, today, progress=None):
    """{(establishment id, worker hash, month): (salary_fils, absence_reported, line)} and a `Checked` with the
    problems (line and column). `establishment_ids` maps licence numbers to ids."""
    checked, at, lines = open_columns(data, COLUMNS, "wages", progress)
    if at is None:
        return {}, checked
    this_month = today.replace(day=1)
    records = {}
    for line, row in lines:
        value = {name: row[index].strip() for name, index in at.items()}
        before = checked.problem_count
        establishment_id = establishment_ids.get(value["licence_number"])
        if establishment_id is None:
            checked.add(
                line,
                "licence_number",
                _("no establishment has the licence number “%(value)s”") % {"value": value["licence_number"]},
            )
        try:
            worker = civil_id_hash(value["civil_id"])
        except ValueError:
            worker = None
            checked.add(line, "civil_id", _("a civil ID number has 12 digits"))
        month = _month(value["month"])
        if month is None:
            checked.add(line, "month", _("“%(value)s” is not a month written YYYY-MM") % {"value": value["month"]})
        elif month > this_month:
            checked.add(line, "month", _("the month %(value)s has not begun yet") % {"value": value["month"]})
        salary = value["salary_fils"]
        if not salary.isdigit():
            checked.add(
                line,
                "salary_fils",
                _("“%(value)s” is not a whole number of fils (0 or more)") % {"value": salary},
            )
        absent = value["absence_reported"]
        if absent not in ("", "0", "1"):
            checked.add(line, "absence_reported", _("write 1 (reported absent), 0 or nothing"))
        if checked.problem_count > before:
            continue
        key = (establishment_id, worker, month)
        if key in records:
            checked.add(
                line,
                "",
                _("the same worker and month as line %(line)d for this establishment") % {"line": records[key][2]},
            )
            continue
        records[key] = (int(salary), absent == "1", line)
    return records, checked
