"""Reconciliation: the acquirer's settlement file (CSV, docs/payments.md "Reconciliation") is read whole,
every line checked — a bad line is reported by its line and column, and then nothing is written —, and each
line is matched to a payment by its track id (the payment's reference): matched, another amount, a payment
that is not paid, no such payment, or settled twice. A refund line (`type` refund) is matched to one of that
payment's successful refunds: by the acquirer's transaction id when the refund has it, else by its amount."""

import csv
import datetime
import hashlib
import io

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..errors import InvalidPayment, InvalidSettlement
from ..models import Payment, PaymentState, Refund, SettlementImport, SettlementLine
from . import parse_dinars

COLUMNS = ("settlement_date", "track_id", "transaction_id", "amount", "currency", "type")
# The `type` column: a payment line (the default, also when the column is absent) or a refund line.
KINDS = {"": SettlementLine.Kind.PAYMENT, "payment": SettlementLine.Kind.PAYMENT, "refund": SettlementLine.Kind.REFUND}
SETTLED = (SettlementLine.Status.MATCHED, SettlementLine.Status.AMOUNT_MISMATCH)
REQUIRED = ("settlement_date", "track_id", "amount", "currency")
CURRENCIES = {"KWD", "414"}
CHUNK = 1000


def import_settlement(data, *, file_name, progress=None, on_recorded=None):
    """Read, check and record a settlement file (bytes). Returns the `SettlementImport`; raises
    `InvalidSettlement` (with `problems`, each "line N, column C: …") and writes nothing for a bad file.

    `progress(read, total)`, when given, is told the lines read so far (the header's included) of the file's
    lines, after each line and once more at the end with `read == total`; it is called before anything is
    written, outside any transaction of this function, so what it records is seen at once by others.
    `on_recorded(settlement)`, when given, runs in the transaction that records the file: what it writes (the
    audit row, the upload's outcome) is written with the import or not at all."""
    digest = hashlib.sha256(data).hexdigest()
    if SettlementImport.objects.filter(file_sha256=digest).exists():
        raise InvalidSettlement(_("This settlement file was already imported."))
    rows = _read(data, progress)
    try:
        with transaction.atomic():
            settlement = _record(digest, file_name, rows)
            if on_recorded is not None:
                on_recorded(settlement)
            return settlement
    except IntegrityError:  # the same file imported at the same moment by someone else
        raise InvalidSettlement(_("This settlement file was already imported.")) from None


def line_count(data):
    """How many lines the reading of `data` goes through (the header's included): the `total` that
    `import_settlement` tells `progress`, known before it starts."""
    return len(_lines(data.decode("utf-8-sig", errors="replace")))


def _lines(text):
    # The lines as the CSV reader is given them: split at \n, \r\n or \r, each with its ending.
    return io.StringIO(text, newline="").readlines()


def status_counts(settlement):
    """How many of a settlement file's lines got each status: [(status, label, count)], in the statuses' order."""
    counts = {}
    for status in settlement.settlement_lines.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return [(status, label, counts[status]) for status, label in SettlementLine.Status.choices if status in counts]


def _record(digest, file_name, rows):
    settlement = SettlementImport.objects.create(
        file_name=file_name[:255],
        file_sha256=digest,
        first_date=min(row["settlement_date"] for row in rows),
        last_date=max(row["settlement_date"] for row in rows),
        lines=len(rows),
        # What the acquirer paid out: the payment lines less the refund lines.
        total_fils=sum(
            -row["amount_fils"] if row["kind"] == SettlementLine.Kind.REFUND else row["amount_fils"] for row in rows
        ),
    )
    SettlementLine.objects.bulk_create(_matched(settlement, rows), batch_size=CHUNK)
    return settlement


def _read(data, progress):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidSettlement(_("The file is not UTF-8 text.")) from None
    if "\x00" in text:
        raise InvalidSettlement(_("The file is not UTF-8 text."))
    lines = _lines(text)
    total = len(lines)
    reader = csv.reader(lines)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidSettlement(
            _("Line 1: the header lacks the columns %(columns)s.") % {"columns": ", ".join(missing)},
            problems=[_("line 1: missing columns %(columns)s") % {"columns": ", ".join(missing)}],
        )
    where = {name: header.index(name) for name in COLUMNS if name in header}
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if progress:
            progress(reader.line_num, total)
        if not any(cell.strip() for cell in cells):
            continue
        row, row_problems = _row(cells, where, number)
        problems.extend(row_problems)
        if not row_problems:
            rows.append(row)
    if progress:
        progress(total, total)
    if problems:
        raise InvalidSettlement(
            _("The settlement file has %(count)d bad lines or cells; nothing was imported.") % {"count": len(problems)},
            problems=problems,
        )
    if not rows:
        raise InvalidSettlement(_("The settlement file has no lines."))
    return rows


def _row(cells, where, number):
    problems = []

    def cell(name):
        index = where.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def problem(name, message):
        problems.append(
            _("line %(line)d, column %(column)s: %(message)s") % {"line": number, "column": name, "message": message}
        )

    row = {"line_number": number}
    try:
        row["settlement_date"] = datetime.date.fromisoformat(cell("settlement_date"))
    except ValueError:
        problem("settlement_date", _("a date is written YYYY-MM-DD"))
    row["track_id"] = cell("track_id")
    if not row["track_id"] or len(row["track_id"]) > 40:
        problem("track_id", _("a track id is 1 to 40 characters"))
    row["transaction_id"] = cell("transaction_id")
    if len(row["transaction_id"]) > 64:
        problem("transaction_id", _("a transaction id is at most 64 characters"))
    try:
        row["amount_fils"] = parse_dinars(cell("amount"), "amount")
        if row["amount_fils"] <= 0:
            problem("amount", _("the amount must be more than zero"))
    except InvalidPayment as error:  # parse_dinars's refusal
        problem("amount", error.message)
    if cell("currency").upper() not in CURRENCIES:
        problem("currency", _("the currency must be KWD (414)"))
    row["kind"] = KINDS.get(cell("type").lower())
    if row["kind"] is None:
        problem("type", _("the type is payment or refund"))
    return row, problems


def _matched(settlement, rows):
    track_ids = [row["track_id"] for row in rows]
    payments, settled, refunds, settled_refunds = {}, set(), {}, set()
    for start in range(0, len(track_ids), CHUNK):
        chunk = track_ids[start : start + CHUNK]
        payments.update({payment.reference: payment for payment in Payment.objects.filter(reference__in=chunk)})
        settled.update(
            SettlementLine.objects.filter(
                track_id__in=chunk, kind=SettlementLine.Kind.PAYMENT, status__in=SETTLED
            ).values_list("track_id", flat=True)
        )
    if any(row["kind"] == SettlementLine.Kind.REFUND for row in rows):
        paid_ids = [payment.pk for payment in payments.values()]
        for start in range(0, len(paid_ids), CHUNK):
            chunk = paid_ids[start : start + CHUNK]
            for refund in Refund.objects.filter(payment__in=chunk, state=Refund.State.SUCCESS).order_by(
                "created_at", "pk"
            ):
                refunds.setdefault(refund.payment_id, []).append(refund)
            settled_refunds.update(
                SettlementLine.objects.filter(refund__payment__in=chunk, status__in=SETTLED).values_list(
                    "refund", flat=True
                )
            )
    for row in rows:
        payment = payments.get(row["track_id"])
        if row["kind"] == SettlementLine.Kind.REFUND:
            refund, status = _refund_match(row, payment, refunds, settled_refunds)
            yield SettlementLine(settlement=settlement, payment=payment, refund=refund, status=status, **row)
            continue
        if payment is None:
            status = SettlementLine.Status.UNMATCHED
        elif row["track_id"] in settled:
            status = SettlementLine.Status.DUPLICATE
        elif payment.state != PaymentState.SUCCESS:
            status = SettlementLine.Status.NOT_PAID
        elif row["amount_fils"] != payment.amount_fils:
            status = SettlementLine.Status.AMOUNT_MISMATCH
        else:
            status = SettlementLine.Status.MATCHED
        if (
            payment is not None
            and status != SettlementLine.Status.DUPLICATE
            and status != SettlementLine.Status.NOT_PAID
        ):
            settled.add(row["track_id"])
        yield SettlementLine(settlement=settlement, payment=payment, status=status, **row)


def _refund_match(row, payment, refunds, settled_refunds):
    """(the refund, the status) of a refund line: the payment's successful refund with the line's transaction id
    (the refund's gateway reference) if one has it, else the first one not settled yet for the line's amount;
    settled twice when only a refund already settled fits; another amount when refunds remain unsettled but
    none for this amount; no such refund when the payment has no successful refund left."""
    if payment is None:
        return None, SettlementLine.Status.UNMATCHED
    candidates = refunds.get(payment.pk, [])
    if row["transaction_id"]:
        named = [refund for refund in candidates if refund.gateway_reference == row["transaction_id"]]
        if named and all(refund.pk in settled_refunds for refund in named):
            return named[0], SettlementLine.Status.DUPLICATE
        if named:
            candidates = named
    unsettled = [refund for refund in candidates if refund.pk not in settled_refunds]
    same_amount = [refund for refund in unsettled if refund.amount_fils == row["amount_fils"]]
    if same_amount:
        refund, status = same_amount[0], SettlementLine.Status.MATCHED
    elif any(refund.amount_fils == row["amount_fils"] for refund in candidates):
        refund = next(refund for refund in candidates if refund.amount_fils == row["amount_fils"])
        return refund, SettlementLine.Status.DUPLICATE
    elif unsettled:
        refund, status = unsettled[0], SettlementLine.Status.AMOUNT_MISMATCH
    else:
        return None, SettlementLine.Status.NO_REFUND
    settled_refunds.add(refund.pk)
    return refund, status
