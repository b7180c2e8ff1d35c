"""The portal's one writer of spreadsheet files (CSV and XLSX). Every export — petitions, poll results,
consultation responses, payments, labour indicators — goes through it, so every file is written the same way:

- UTF-8 with a byte-order mark (Excel then reads Arabic correctly), one header row;
- formula cells neutralised: a text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a
  tab or carriage return first) is written with a leading apostrophe, so that a petition titled
  `=HYPERLINK(…)` is shown as text to the staff who open the file, never run (OWASP "CSV injection");
- streamed, so a large export never sits whole in memory.
"""

import csv
import tempfile

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """`value` as a spreadsheet will show it, never as a formula. Numbers stay numbers; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(row):
    return [safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """The file's text, line by line: the byte-order mark, the header, then each row made safe."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK
    if header:
        yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_text(header, rows):
    return "".join(csv_lines(header, rows))


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename, header, rows):
    """A streamed CSV download."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def xlsx_file(header, rows, *, right_to_left=False, title="data"):
    """A write-only workbook in a temporary file (openpyxl keeps only the current row in memory). Cells are
    made safe as in CSV: openpyxl would otherwise store a text starting with `=` as a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.sheet_view.rightToLeft = right_to_left
    if header:
        sheet.append(safe_row(header))
    for row in rows:
        sheet.append(safe_row(row))
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(filename, header, rows, *, right_to_left=False, title="data"):
    """A streamed XLSX download, right to left when the content is Arabic."""
    handle = xlsx_file(header, rows, right_to_left=right_to_left, title=title)
    response = StreamingHttpResponse(iter(lambda: handle.read(64 * 1024), b""), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, filename)
