"""Every write of the labour app, each in one transaction."""

import hashlib

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from core.errors import InvalidInput, Unavailable
from core.events import emit
from core.money import format_fils
from identity.audit import record as audit
from identity.models import Action, SecurityEvent
from identity.policy import require
from identity.receipts import issue_receipt, pseudonymous_subject
from payments.registry import payment_info, request_payment

from . import codes as cl
from . import selectors
from .errors import AlreadyDecided, NeedsImplausible, NeedsUnpaid, NotAwaitingPayment, NotReviewer
from .formats import check_file
from .models import Code, Dataset, Establishment, IndicatorImport, NeedsRequest, Observation, breakdown_of

CELL_FIELDS = ("measure_id", "period", *(f"{dimension.lower()}_id" for dimension in cl.BREAKDOWNS))
UNIQUE_FIELDS = ["measure", "period", *(dimension.lower() for dimension in cl.BREAKDOWNS)]
BATCH = 5000

OFFICIAL_DATASET = {
    "code": "msal",
    "name_en": "Ministry of Social Affairs and Labour",
    "name_ar": "وزارة الشؤون الاجتماعية والعمل",
    "illustrative": False,
}


class IndicatorFileRefused(InvalidInput):
    """A file with at least one bad row: nothing of it is written. `problems` lists them (line, column)."""

    code = "labour_file_refused"

    def __init__(self, checked):
        self.problems = checked.problems
        self.problem_count = checked.problem_count
        super().__init__(
            ngettext(
                "The file was not imported: %(count)d problem.",
                "The file was not imported: %(count)d problems.",
                checked.problem_count,
            )
            % {"count": checked.problem_count}
        )

    def as_dict(self):
        body = super().as_dict()
        body["problems"] = [
            {"line": problem.line, "column": problem.column, "message": problem.message} for problem in self.problems
        ]
        return body


def code_index():
    """{dimension: {code: id}} for every code list, read once per import."""
    index = {dimension: {} for dimension in cl.CODE_LISTS}
    for dimension, code, pk in Code.objects.order_by("dimension", "position").values_list("dimension", "code", "id"):
        index.setdefault(dimension, {})[code] = pk
    return index


def official_dataset():
    dataset, _created = Dataset.objects.get_or_create(code=OFFICIAL_DATASET["code"], defaults=OFFICIAL_DATASET)
    return dataset


def _existing(cells):
    """{cell key: (id, value, status_id, dataset_id)} for the cells of `cells` already held."""
    measures = {key[0] for key in cells}
    periods = {key[1] for key in cells}
    rows = Observation.objects.filter(measure_id__in=measures, period__in=periods).values_list(
        *CELL_FIELDS, "id", "value", "status_id", "dataset_id"
    )
    width = len(CELL_FIELDS)
    return {row[:width]: row[width:] for row in rows if row[:width] in cells}


def totals_of(ids):
    """The ids of the six breakdowns' totals (codes.BREAKDOWNS order), from `code_index()`."""
    return tuple(ids[dimension][cl.TOTAL] for dimension in cl.BREAKDOWNS)


def _observation(key, value, status_id, frequency, start, dataset_id, now, totals):
    fields = dict(zip(CELL_FIELDS, key, strict=True))
    return Observation(
        **fields,
        breakdown=breakdown_of(key[2:], totals),
        frequency=frequency,
        period_start=start,
        value=value,
        status_id=status_id,
        dataset_id=dataset_id,
        changed_at=now,
    )


STAGED_COLUMNS = (*CELL_FIELDS, "value", "status_id", "frequency", "period_start")
STAGING_TABLE = "labour_import_staging"


def _write_postgresql(cells, dataset_id, now, totals, written):
    """Write the checked cells on PostgreSQL: COPY them all into a temporary table without index or constraint,
    then two set-based statements — an UPDATE of the cells held whose value, status or dataset differs, and an
    INSERT of the cells not held (ON CONFLICT DO NOTHING on the cell's unique constraint). Returns (created,
    updated). The table is locked against other writers (SHARE ROW EXCLUSIVE: readers go on), so two imports at
    once cannot both find a cell missing; nothing is visible before the commit."""
    table = connection.ops.quote_name(Observation._meta.db_table)
    staged = ", ".join(STAGED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING_TABLE} ("
            + ", ".join(f"{name} bigint" for name in CELL_FIELDS if name != "period")
            + ", period varchar(10), value bigint, status_id bigint, frequency varchar(1), period_start date)"
            " ON COMMIT DROP"
        )
        # Text COPY, one line a cell, written in chunks: every field is a number, a checked period or a date,
        # none can hold a tab, a newline or a backslash.
        with cursor.cursor.copy(f"COPY {STAGING_TABLE} ({staged}) FROM STDIN") as copy:
            lines = []
            for key, (value, status_id, frequency, start, _line) in cells.items():
                lines.append("\t".join(map(str, (*key, value, status_id, frequency, start))))
                if len(lines) == BATCH:
                    copy.write("\n".join(lines) + "\n")
                    lines = []
                    if written:
                        written(BATCH)
            if lines:
                copy.write("\n".join(lines) + "\n")
                if written:
                    written(len(lines))
        cursor.execute(f"ANALYZE {STAGING_TABLE}")
        same_cell = " AND ".join(f"o.{name} = s.{name}" for name in CELL_FIELDS)
        cursor.execute(
            f"UPDATE {table} AS o SET value = s.value, status_id = s.status_id, dataset_id = %s, changed_at = %s,"
            f" frequency = s.frequency, period_start = s.period_start FROM {STAGING_TABLE} AS s WHERE {same_cell}"
            " AND (o.value, o.status_id, o.dataset_id) IS DISTINCT FROM (s.value, s.status_id, %s::bigint)",
            [dataset_id, now, dataset_id],
        )
        updated = cursor.rowcount
        # models.breakdown_of, in SQL: a bit for each breakdown not at its total.
        breakdown = " + ".join(
            f"({dimension.lower()}_id <> %s)::int * {1 << bit}" for bit, dimension in enumerate(cl.BREAKDOWNS)
        )
        cursor.execute(
            f"INSERT INTO {table} ({staged}, breakdown, dataset_id, changed_at)"
            f" SELECT {staged}, {breakdown}, %s, %s FROM {STAGING_TABLE}"
            # In the unique index's order: each insertion lands next to the last (a fifth less time at 100,000).
            f" ORDER BY {', '.join(CELL_FIELDS)}"
            f" ON CONFLICT ({', '.join(CELL_FIELDS)}) DO NOTHING",
            [*totals, dataset_id, now],
        )
        created = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return created, updated


def _write_orm(cells, dataset_id, now, totals, written):
    """Write the checked cells elsewhere (SQLite): the cells held are read, the missing ones inserted and the
    changed ones updated in batches. Returns (created, updated)."""
    existing = _existing(cells)
    created, changed = [], []
    for key, (value, status_id, frequency, start, _line) in cells.items():
        held = existing.get(key)
        row = (key, value, status_id, frequency, start)
        if held is None:
            created.append(row)
        elif held[1:] != (value, status_id, dataset_id):
            changed.append(row)
    for rows, options in (
        (created, {}),
        (
            changed,
            {
                "update_conflicts": True,
                "unique_fields": UNIQUE_FIELDS,
                "update_fields": ["value", "status", "dataset", "changed_at", "frequency", "period_start"],
            },
        ),
    ):
        for start in range(0, len(rows), BATCH):
            batch = [_observation(*row, dataset_id, now, totals) for row in rows[start : start + BATCH]]
            Observation.objects.bulk_create(batch, **options)
            if written:
                written(len(batch))
    return len(created), len(changed)


def import_indicators(data, *, file_name, dataset=None, today=None, progress=None, written=None):
    """Import an SDMX-CSV or ILOSTAT bulk CSV file (bytes): all of it or, at the first bad row, none of it.

    Every problem is found before anything is written, and raised together as `IndicatorFileRefused`.
    A cell already held with the same value, status and dataset is left untouched, so importing the same
    file again changes nothing; a cell whose value changed is updated. Returns the `IndicatorImport` record.
    """
    ids = code_index()
    checked = check_file(data, ids, today=today, progress=progress)
    if checked.problem_count:
        raise IndicatorFileRefused(checked)
    if not checked.cells:
        raise InvalidInput(_("The file holds no observations."), code="labour_file_empty")
    with transaction.atomic():
        dataset = dataset or official_dataset()
        write = _write_postgresql if connection.vendor == "postgresql" else _write_orm
        created, updated = write(checked.cells, dataset.pk, timezone.now(), totals_of(ids), written)
        return IndicatorImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            file_format=checked.file_format,
            dataset=dataset,
            rows=checked.rows,
            created=created,
            updated=updated,
            unchanged=len(checked.cells) - created - updated,
        )


def load_demo_cube():
    """Add the illustrative series (labour.demo) to the cube. A cell that exists already — imported, or
    changed by someone since the demo was loaded — is left as it is. Returns the number of cells added."""
    from . import demo
    from .models import period_start

    ids = code_index()
    status = ids[cl.OBS_STATUS][cl.NORMAL_STATUS]
    with transaction.atomic():
        dataset, _created = Dataset.objects.get_or_create(code=demo.DATASET["code"], defaults=demo.DATASET)
        now = timezone.now()
        observations = []
        for (measure, period, *breakdowns), value in demo.build().items():
            start, frequency = period_start(period)
            key = (
                ids[cl.MEASURE][measure],
                period,
                *(ids[dimension][code] for dimension, code in zip(cl.BREAKDOWNS, breakdowns, strict=True)),
            )
            observations.append(_observation(key, value, status, frequency, start, dataset.pk, now, totals_of(ids)))
        before = Observation.objects.count()
        Observation.objects.bulk_create(observations, batch_size=BATCH, ignore_conflicts=True)
        return Observation.objects.count() - before


class RegisterRefused(IndicatorFileRefused):
    code = "labour_register_refused"


def import_establishments(data):
    """Import the authority's register (labour.registers): establishments created or updated by licence
    number, and the workforce of each establishment in the file replaced by the file's. All or nothing.
    Returns (establishments created, establishments updated, workforce lines written)."""
    from .models import Establishment, EstablishmentWorkforce
    from .registers import check_register

    entries, checked = check_register(data, code_index())
    if checked.problem_count:
        raise RegisterRefused(checked)
    if not entries:
        raise InvalidInput(_("The file holds no establishments."), code="labour_file_empty")
    created = updated = 0
    with transaction.atomic():
        held = {item.licence_number: item for item in Establishment.objects.filter(licence_number__in=entries)}
        for licence_number, entry in entries.items():
            establishment = held.get(licence_number)
            if establishment is None:
                establishment = Establishment.objects.create(licence_number=licence_number, **entry.fields)
                created += 1
            elif any(getattr(establishment, name) != value for name, value in entry.fields.items()):
                for name, value in entry.fields.items():
                    setattr(establishment, name, value)
                establishment.save()
                updated += 1
            held[licence_number] = establishment
        EstablishmentWorkforce.objects.filter(establishment__in=held.values()).delete()
        lines = [
            EstablishmentWorkforce(
                establishment=held[licence_number],
                nationality_id=nationality,
                occupation_id=occupation,
                workers=workers,
            )
            for licence_number, entry in entries.items()
            for (nationality, occupation), workers in entry.workforce.items()
        ]
        EstablishmentWorkforce.objects.bulk_create(lines, batch_size=BATCH)
    return created, updated, len(lines)


def load_demo_establishments():
    """The demo's illustrative establishments (labour.demo.REGISTER) and the demo citizen as the signatory of
    two of them. An establishment that exists is left as it is. Returns the number of establishments added."""
    from identity.national_id import civil_id_hash

    from . import demo
    from .models import Establishment, EstablishmentSignatory

    header, *lines = demo.REGISTER.strip().splitlines()
    held = set(Establishment.objects.values_list("licence_number", flat=True))
    missing = [line for line in lines if line.split(",", 1)[0] not in held]
    created = 0
    if missing:
        created = import_establishments("\n".join([header, *missing]).encode("utf-8"))[0]
    civil_hash = civil_id_hash(demo.SIGNATORY_CIVIL_ID)
    for establishment in Establishment.objects.filter(licence_number__in=demo.SIGNATORY_OF):
        EstablishmentSignatory.objects.get_or_create(
            establishment=establishment, civil_id_hash=civil_hash, defaults={"name": demo.SIGNATORY_NAME}
        )
    return created


def load_demo_fee():
    """The demo's fee for a labour-needs request (labour.demo.NEEDS_FEE_FILS, every activity), unless the policy has
    a fee already: staff's fees are never changed. Returns whether it was added."""
    from . import demo
    from .models import NeedsRequestFee

    if NeedsRequestFee.objects.exists():
        return False
    NeedsRequestFee.objects.create(activity=None, fee_fils=demo.NEEDS_FEE_FILS)
    return True


# --- Labour-needs requests ---------------------------------------------------------------------------

DECISIONS = {
    "approve": "approved",
    "approve_part": "partly_approved",
    "reject": "rejected",
}


def _needs_authority():
    """The authority that decides labour-needs requests (settings.LABOUR_AUTHORITY, by default MSAL)."""
    from cms.models import Authority

    code = selectors.labour_authority_code()
    authority = Authority.objects.filter(code=code).order_by("locale__language_code").first()
    if authority is None:
        raise Unavailable(_("Labour-needs requests cannot be received yet: the authority is not set up."))
    return authority


def _request_code(code_ids, dimension, value, field, allowed=None):
    code_id = code_ids[dimension].get(value) if value and value != cl.TOTAL else None
    if code_id is None or (allowed is not None and value not in allowed):
        raise InvalidInput(_("“%(code)s” is not a code you can choose here.") % {"code": value}, field=field)
    return code_id


def check_needs_request(user, licence_number, *, nationality, occupation, workers):
    """Everything a request is checked for before the employer sees the estimate or submits: the assurance
    level (L2, identity.policy), that the user is a signatory of the establishment (403), the codes, the count,
    and that the count is plausible at all. Returns (establishment, nationality id, occupation id, estimate)."""
    require(user, Action.LABOUR_NEEDS_REQUEST)
    establishment = selectors.establishment_for(user, licence_number)
    code_ids = code_index()
    nationality_id = _request_code(
        code_ids, cl.NATIONALITY, nationality, "nationality", allowed=selectors.REQUEST_NATIONALITIES
    )
    occupation_id = _request_code(code_ids, cl.OCCUPATION, occupation, "occupation")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInput(_("Ask for a whole number of workers, at least 1."), field="workers")
    numbers = selectors.estimate(establishment, nationality, workers)
    if workers > numbers["need"] or workers > selectors.MAX_WORKERS_ASKED:
        raise NeedsImplausible(
            _(
                "You asked for %(workers)d workers, more than this establishment could need in all: with a "
                "licensed capacity of %(capacity)d, its estimated real need is %(need)d workers (it employs "
                "%(employed)d). Ask for at most %(room)d, or have the licence amended first."
            )
            % {
                "workers": workers,
                "capacity": numbers["licensed_capacity"],
                "need": numbers["need"],
                "employed": numbers["workers"],
                "room": numbers["room"],
            },
            field="workers",
        )
    return establishment, nationality_id, occupation_id, numbers


def submit_needs_request(user, licence_number, *, nationality, occupation, workers, justification=""):
    """An authorised signatory's request for workers, kept with the estimate they were shown. Audited. Where the
    policy sets a fee (selectors.needs_fee), the request waits for it (`awaiting_payment`, the fee fixed now)
    and goes to review once it is paid (`pay_needs_request`, `needs_request_paid`)."""
    justification = (justification or "").strip()
    if len(justification) > 2000:
        raise InvalidInput(_("Write at most 2,000 characters."), field="justification")
    establishment, nationality_id, occupation_id, numbers = check_needs_request(
        user, licence_number, nationality=nationality, occupation=occupation, workers=workers
    )
    fee = selectors.needs_fee(establishment)
    with transaction.atomic():
        request = NeedsRequest.objects.create(
            establishment=establishment,
            authority=_needs_authority(),
            requester=user,
            nationality_id=nationality_id,
            occupation_id=occupation_id,
            workers_requested=workers,
            justification=justification,
            estimate=numbers,
            workers_likely=numbers["likely"],
            flags=numbers["flags"],
            fee_fils=fee,
            state=NeedsRequest.State.AWAITING_PAYMENT if fee else NeedsRequest.State.SUBMITTED,
        )
        log(
            request,
            "labour.needs_request.submitted",
            user=user,
            data={"workers": workers, "flags": numbers["flags"], "fee_fils": fee},
        )
    return request


def _approve_need(establishment_id, approved, reference):
    """The establishment's approved need after approving `approved` more workers: its workforce now, or the
    approved need before if that is larger (workers approved earlier who have not arrived yet), plus `approved`.
    Under the establishment's lock, so two decisions at once both count."""
    establishment = Establishment.objects.select_for_update().get(pk=establishment_id)
    employed = selectors.standing(establishment).workers
    establishment.approved_need = max(establishment.approved_need or 0, employed) + approved
    establishment.approved_need_reference = reference
    establishment.save(update_fields=["approved_need", "approved_need_reference", "updated_at"])
    return establishment.approved_need


PAYABLE = "labour.needs_request"


def pay_needs_request(user, reference, *, return_url=""):
    """The payment of a request's fee, by the employer who submitted it: the payment not finished yet if there
    is one (a reload, a return from the gateway), else a new one of the fee fixed on the request — the amount
    is never the browser's. Returns payments.registry.PaymentInfo; send the payer to its `pay_url`."""
    require(user, Action.PAY_FEE)
    with transaction.atomic():
        request = (
            NeedsRequest.objects.select_for_update()
            .select_related("authority")
            .get(pk=selectors.needs_request_of(user, reference).pk)
        )
        if not request.awaits_payment:
            raise NotAwaitingPayment()
        current = payment_info(request.payment_reference) if request.payment_reference else None
        if current is not None and not current.finished:
            return current
        payment = request_payment(
            PAYABLE,
            request.reference,
            authority=request.authority,
            amount_fils=request.fee_fils,
            description_ar=f"رسم طلب الاحتياج من العمالة {request.reference}",
            description_en=f"Labour-needs request fee {request.reference}",
            payer=user,
            return_url=return_url,
        )
        request.payment_reference = payment.reference
        request.save(update_fields=["payment_reference"])
        log(request, "labour.needs_request.payment", user=user, data={"payment": payment.reference})
    return payment


def needs_request_paid(reference, payment_reference):
    """payments.registry's call when a request's fee is credited, in the crediting transaction: the request
    goes to review. A request no longer awaiting payment (paid already) does not change."""
    request = NeedsRequest.objects.select_for_update().filter(reference=reference).first()
    if request is None or not request.awaits_payment:
        return
    request.state = NeedsRequest.State.SUBMITTED
    request.payment_reference = payment_reference
    request.paid_at = timezone.now()
    request.fee_refunded_fils, request.fee_refunded_at = 0, None  # a refund of an earlier payment of it is history
    request.save(update_fields=["state", "payment_reference", "paid_at", "fee_refunded_fils", "fee_refunded_at"])
    log(
        request,
        "labour.needs_request.paid",
        data={"payment": payment_reference, "fee": format_fils(request.fee_fils, "en")},
    )


def needs_request_refunded(reference, payment_reference, refunded_fils):
    """payments.registry's call when a refund of a request's fee succeeds, in that transaction: the request keeps
    what has been refunded of its payment (shown to the employer and to staff). A fee refunded in full before staff
    decided means the request is no longer paid for: it goes back to `awaiting_payment` (staff cannot decide it;
    the employer may pay again, a new payment). A decided request keeps its decision. A refund of a payment that is
    no longer the request's (paid again since) changes nothing but Wagtail's log."""
    request = NeedsRequest.objects.select_for_update().filter(reference=reference).first()
    if request is None:
        return
    current = request.payment_reference == payment_reference
    unpaid = current and request.state == NeedsRequest.State.SUBMITTED and refunded_fils >= request.fee_fils
    if current:
        request.fee_refunded_fils = refunded_fils
        request.fee_refunded_at = timezone.now()
        fields = ["fee_refunded_fils", "fee_refunded_at"]
        if unpaid:
            request.state = NeedsRequest.State.AWAITING_PAYMENT
            request.paid_at = None
            fields += ["state", "paid_at"]
        request.save(update_fields=fields)
    log(
        request,
        "labour.needs_request.fee_refunded",
        data={
            "payment": payment_reference,
            "refunded": format_fils(refunded_fils, "en"),
            "awaiting_payment_again": unpaid,
            "current_payment": current,
        },
    )


def decide_needs_request(
    staff, request, *, decision, workers_approved=None, reason_ar="", reason_en="", http_request=None
):
    """Staff approve, approve part of, or reject a request, with the reasons in Arabic and English (required
    unless everything asked for is approved). The employer gets a signed receipt of the decision and is
    notified (labour.notifications). Audited: a `staff_action` row of identity's security log (with the staff
    member's address when `http_request` is given) and a row of Wagtail's log on the request."""
    if decision not in DECISIONS:
        raise InvalidInput(_("Choose approve, approve part or reject."), field="decision")
    reason_ar, reason_en = (reason_ar or "").strip(), (reason_en or "").strip()
    with transaction.atomic():
        request = (
            NeedsRequest.objects.select_for_update().select_related("authority", "establishment").get(pk=request.pk)
        )
        if not selectors.may_review(staff, request):
            raise NotReviewer()
        if request.is_decided:
            raise AlreadyDecided()
        if request.awaits_payment:
            raise NeedsUnpaid()
        if decision == "approve":
            approved = request.workers_requested
        elif decision == "reject":
            approved = 0
        else:
            if (
                isinstance(workers_approved, bool)
                or not isinstance(workers_approved, int)
                or not 1 <= workers_approved < request.workers_requested
            ):
                raise InvalidInput(
                    _("Approving part means approving from 1 to %(most)d workers.")
                    % {"most": request.workers_requested - 1},
                    field="workers_approved",
                )
            approved = workers_approved
        if decision != "approve":
            for field, text in (("reason_ar", reason_ar), ("reason_en", reason_en)):
                if not text:
                    raise InvalidInput(_("Give the reason in Arabic and in English."), field=field)
        for field, text in (("reason_ar", reason_ar), ("reason_en", reason_en)):
            if len(text) > 2000:
                raise InvalidInput(_("Write at most 2,000 characters."), field=field)
        request.state = DECISIONS[decision]
        request.workers_approved = approved
        if approved:
            request.approved_need = _approve_need(request.establishment_id, approved, request.reference)
        request.reason_ar, request.reason_en = reason_ar, reason_en
        request.decided_by = staff
        request.decided_at = timezone.now()
        if request.requester_id:
            request.receipt = issue_receipt(
                "request.decided",
                pseudonymous_subject(request.requester_id, f"labour-needs:{request.reference}"),
                request.reference,
                service="labour.needs_request",
                decision=request.state,
                establishment=request.establishment.licence_number,
                workers_requested=request.workers_requested,
                workers_approved=approved,
            )
        request.save()
        action = f"labour.needs_request.{request.state}"
        counts = {
            "workers_requested": request.workers_requested,
            "workers_approved": approved,
            "approved_need": request.approved_need,
        }
        log(request, action, user=staff, data=counts)
        audit(
            SecurityEvent.Kind.STAFF_ACTION,
            http_request,
            staff,
            action=action,
            reference=request.reference,
            establishment=request.establishment.licence_number,
            **counts,
        )
        emit("labour.needs_request.decided", request_id=request.pk, reference=request.reference)
    return request


# --- Wage protection ---------------------------------------------------------------------------------


class WagesRefused(IndicatorFileRefused):
    code = "labour_wages_refused"


def import_wages(data, *, file_name, today=None, progress=None):
    """Import a wage-protection file (labour.wages): all of it or, at the first bad line, none of it. A record
    held already (establishment, worker, month) is updated when its figures changed, so importing the same file
    again changes nothing. Returns the `WageImport` record."""
    from .models import Establishment, WageImport, WageRecord
    from .wages import check_wages

    establishment_ids = dict(Establishment.objects.values_list("licence_number", "pk"))
    records, checked = check_wages(data, establishment_ids, today=today or timezone.localdate(), progress=progress)
    if checked.problem_count:
        raise WagesRefused(checked)
    if not records:
        raise InvalidInput(_("The file holds no wage records."), code="labour_file_empty")
    with transaction.atomic():
        held = {
            (row.establishment_id, row.worker_hash, row.month): row
            for row in WageRecord.objects.filter(
                establishment_id__in={key[0] for key in records}, month__in={key[2] for key in records}
            )
        }
        created, changed = [], []
        for key, (salary, absent, _line) in records.items():
            row = held.get(key)
            if row is None:
                created.append((key, salary, absent))
            elif (row.salary_fils, row.absence_reported) != (salary, absent):
                row.salary_fils, row.absence_reported = salary, absent
                changed.append(row)
        record = WageImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            rows=checked.rows,
            created=len(created),
            updated=len(changed),
            unchanged=len(records) - len(created) - len(changed),
        )
        WageRecord.objects.bulk_create(
            [
                WageRecord(
                    establishment_id=establishment,
                    worker_hash=worker,
                    month=month,
                    salary_fils=salary,
                    absence_reported=absent,
                    wage_import=record,
                )
                for (establishment, worker, month), salary, absent in created
            ],
            batch_size=BATCH,
        )
        for row in changed:
            row.wage_import = record
        WageRecord.objects.bulk_update(changed, ["salary_fils", "absence_reported", "wage_import"], batch_size=BATCH)
    return record
