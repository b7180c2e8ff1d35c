"""Reads of the labour cube: code lists and aggregated series.

A query names a measure, the dimensions to break the figures down by (`by`), and optional filters. Every
other dimension is aggregated over by reading its total (`_T`) — the total the source publishes, as SDMX
and ILOSTAT files carry it — rather than by adding up its parts, which would count a nationality group
twice (inside "non-Kuwaiti" and on its own) and drift from the published total by rounding. A filter with
several codes adds them up (`nationality=GCC,ARB`: Gulf and Arab nationals together).
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils.translation import gettext as _

from cms.selectors import ministry_codes
from core.cache import remembered
from core.errors import InvalidInput
from identity.models import NationalIdentity

from . import codes as cl
from .errors import EstablishmentNotFound, NeedsRequestNotFound, NotSignatory
from .models import (
    ActivityNorm,
    Code,
    Dataset,
    Establishment,
    Frequency,
    NationalLabourQuota,
    NeedsRequest,
    NeedsRequestFee,
    Observation,
    QuotaBand,
    SizeBand,
    WageRecord,
    arabic,
    period_start,
)

DIMENSION_NAMES = cl.DIMENSION_NAMES
KUWAITISATION_BY = cl.KUWAITISATION_BY
MAX_BY = 3


@dataclass
class Query:
    measure: str
    by: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)  # dimension (upper case) -> [codes]
    period_from: str = ""
    period_to: str = ""
    frequency: str = ""


@dataclass
class Series:
    """An answer: rows of (period, *codes of `by`, value), and whether any figure is illustrative."""

    query: Query
    columns: list
    rows: list
    illustrative: bool
    codes: dict  # dimension -> {code: Code}


def code_lists():
    """{dimension: [Code, …]} in each list's order."""
    lists = {dimension: [] for dimension in cl.CODE_LISTS}
    for code in Code.objects.order_by("dimension", "position"):
        lists.setdefault(code.dimension, []).append(code)
    return lists


# The code lists and which datasets are illustrative: reference data every chart and API answer reads, kept in the
# process for a few seconds (core.cache.remembered) rather than read again by each chart of a dashboard; a change
# through the ORM forgets them at once in the process that made it (labour.apps).
CODES_KEY = "labour:codes"
ILLUSTRATIVE_KEY = "labour:illustrative-datasets"


def _codes():
    by_id = {code.pk: code for code in Code.objects.all()}
    return by_id, {(code.dimension, code.code): code for code in by_id.values()}


def _ids(codes_by_key, dimension, values, name):
    ids = []
    for value in values:
        code = codes_by_key.get((dimension, value))
        if code is None:
            raise InvalidInput(
                _("“%(code)s” is not a code of %(dimension)s.") % {"code": value, "dimension": name},
                code="labour_unknown_code",
                field=name,
            )
        ids.append(code.pk)
    return ids


def _period(value, name):
    try:
        return period_start(value)[0]
    except ValueError:
        raise InvalidInput(
            _("“%(period)s” is not a period (2024, 2024-Q1 or 2024-03).") % {"period": value},
            code="labour_bad_period",
            field=name,
        ) from None


def parse_query(params, *, by_allowed=None, measure_default=None):
    """A `Query` from request parameters (a QueryDict or a dict of strings), or InvalidInput naming the
    parameter that is wrong."""
    measure = (params.get("measure") or measure_default or "").strip()
    if not measure:
        raise InvalidInput(_("Choose a measure."), code="labour_measure_missing", field="measure")
    by = [name.strip() for name in (params.get("by") or "").split(",") if name.strip()]
    allowed = by_allowed or list(DIMENSION_NAMES)
    for name in by:
        if name not in allowed:
            raise InvalidInput(
                _("“%(name)s” is not a dimension to break down by (%(allowed)s).")
                % {"name": name, "allowed": ", ".join(allowed)},
                code="labour_bad_dimension",
                field="by",
            )
    if len(set(by)) != len(by) or len(by) > MAX_BY:
        raise InvalidInput(
            _("Break down by at most %(count)d different dimensions.") % {"count": MAX_BY},
            code="labour_bad_dimension",
            field="by",
        )
    filters = {}
    for name, dimension in DIMENSION_NAMES.items():
        value = params.get(name)
        if value:
            filters[dimension] = [code.strip() for code in value.split(",") if code.strip()]
    frequency = (params.get("frequency") or "").strip()
    if frequency and frequency not in Frequency.values:
        raise InvalidInput(
            _("The frequency is A (annual), Q (quarterly) or M (monthly)."),
            code="labour_bad_frequency",
            field="frequency",
        )
    return Query(
        measure=measure,
        by=[DIMENSION_NAMES[name] for name in by],
        filters=filters,
        period_from=(params.get("period_from") or "").strip(),
        period_to=(params.get("period_to") or "").strip(),
        frequency=frequency,
    )


def _condition(query, codes_by_key, *, skip=()):
    """The WHERE of a query, as a dict of ORM lookups."""
    conditions = {"measure_id": _ids(codes_by_key, cl.MEASURE, [query.measure], "measure")[0]}
    total = {dimension: codes_by_key[(dimension, cl.TOTAL)].pk for dimension in cl.BREAKDOWNS}
    # The `breakdown` values the cells read may have (models.breakdown_of): for each dimension, whether its
    # cells are at the total, broken down, or either.
    breakdowns = {0}
    for bit, dimension in enumerate(cl.BREAKDOWNS):
        column = f"{dimension.lower()}_id"
        if dimension in skip:
            states = (False, True)
        elif dimension in query.filters:
            ids = _ids(codes_by_key, dimension, query.filters[dimension], dimension.lower())
            conditions[f"{column}__in"] = ids
            states = {code_id != total[dimension] for code_id in ids}
        else:
            states = (dimension in query.by,)
            if dimension not in query.by:
                conditions[column] = total[dimension]
        breakdowns = {mask | (broken << bit) for mask in breakdowns for broken in states}
    conditions["breakdown__in"] = sorted(breakdowns)
    if query.period_from:
        conditions["period_start__gte"] = _period(query.period_from, "period_from")
    if query.period_to:
        conditions["period_start__lte"] = _period(query.period_to, "period_to")
    if query.frequency:
        conditions["frequency"] = query.frequency
    excluded = Q()
    for dimension in query.by:
        if dimension not in query.filters and dimension not in skip:
            excluded |= Q(**{f"{dimension.lower()}_id": total[dimension]})
    return conditions, excluded


def _lookup():
    """({id: Code}, {(dimension, code): Code}), remembered for a few seconds."""
    return remembered(CODES_KEY, _codes)


def check(query):
    """InvalidInput when the query names a code that does not exist (without reading any figure)."""
    _condition(query, _lookup()[1])
    return query


def _grouped(query, *, skip=(), extra=None, **sums):
    """The query's cells grouped by period and by its dimensions, with the `sums` (name → Sum) and a count of
    illustrative observations: [(period, codes of `by`, row)], whether any was illustrative, and the codes."""
    by_id, by_key = _lookup()
    conditions, excluded = _condition(query, by_key, skip=skip)
    group = ["period", *(f"{dimension.lower()}_id" for dimension in query.by)]
    illustrative_ids = remembered(
        ILLUSTRATIVE_KEY, lambda: list(Dataset.objects.filter(illustrative=True).values_list("pk", flat=True))
    )
    rows = (
        Observation.objects.filter(**conditions, **(extra or {}))
        .exclude(excluded)
        .values(*group)
        .annotate(
            **sums,
            illustrative=Count("id", filter=Q(dataset_id__in=illustrative_ids)),
            start=Min("period_start"),
        )
        .order_by("start", *group[1:])
    )
    grouped = [(row["period"], [by_id[row[column]].code for column in group[1:]], row) for row in rows]
    return grouped, any(row["illustrative"] for _period, _codes, row in grouped), _by_dimension(by_id)


def _by_dimension(by_id):
    codes = {}
    for code in by_id.values():
        codes.setdefault(code.dimension, {})[code.code] = code
    return codes


def _columns(query, *values):
    return ["period", *(dimension.lower() for dimension in query.by), *values]


def series(query):
    """The measure's figures by period and by the query's dimensions, summed over filters of several codes."""
    grouped, illustrative, codes = _grouped(query, total=Sum("value"))
    rows = [(period, *by, row["total"]) for period, by, row in grouped]
    return Series(query, _columns(query, "value"), rows, illustrative, codes)


def kuwaitisation(query):
    """The share of Kuwaitis among employed persons, by period and by the query's dimensions: Kuwaiti
    workers over all workers of the same cell (nationality at its total). A cell without its total has
    no rate (None); a total of zero too."""
    query.measure = "EMP"
    by_key = _lookup()[1]
    kuwaiti = by_key[(cl.NATIONALITY, "KWT")].pk
    total = by_key[(cl.NATIONALITY, cl.TOTAL)].pk
    grouped, illustrative, codes = _grouped(
        query,
        skip=(cl.NATIONALITY,),
        extra={"nationality_id__in": [kuwaiti, total]},
        kuwaiti=Sum("value", filter=Q(nationality_id=kuwaiti)),
        workers=Sum("value", filter=Q(nationality_id=total)),
    )
    rows = []
    for period, by, row in grouped:
        workers, kuwaitis = row["workers"], row["kuwaiti"]
        rate = round(100 * kuwaitis / workers, 2) if workers and kuwaitis is not None else None
        rows.append((period, *by, kuwaitis, workers, rate))
    return Series(query, _columns(query, "kuwaiti", "workers", "rate"), rows, illustrative, codes)


# --- Establishments and quotas -----------------------------------------------------------------------


@dataclass
class Standing:
    """Where an establishment stands against its national-labour quota."""

    workers: int
    kuwaitis: int
    share_percent: Decimal | None
    size_band: str
    quota: object  # NationalLabourQuota or None
    percent_of_quota: Decimal | None
    band: object  # QuotaBand or None (micro establishments and activities without a quota have none)
    kuwaitis_needed: int  # more Kuwaiti workers to meet the quota (0 when met)
    over_capacity: bool


def quota_for(establishment):
    """The quota of the establishment's division, else of its section, else None."""
    quotas = NationalLabourQuota.objects.filter(activity_id=establishment.activity_id)
    by_division = {quota.isic_division: quota for quota in quotas}
    return by_division.get(establishment.isic_division) or by_division.get("")


def standing(establishment):
    kuwaiti_id = Code.objects.get(dimension=cl.NATIONALITY, code="KWT").pk
    workers = kuwaitis = 0
    for nationality_id, count in establishment.workforce.values_list("nationality_id", "workers"):
        workers += count
        if nationality_id == kuwaiti_id:
            kuwaitis += count
    share = (Decimal(100) * kuwaitis / workers).quantize(Decimal("0.01")) if workers else None
    size_band = SizeBand.of(workers)
    quota = quota_for(establishment)
    percent_of_quota = band = None
    needed = 0
    if quota is not None and workers:
        required = quota.required_percent / 100
        if required:
            percent_of_quota = (Decimal(100) * kuwaitis / workers / required).quantize(Decimal("0.1"))
        if kuwaitis < required * workers:
            # n more Kuwaitis bring the share to (k + n) / (w + n) >= r, so n >= (r·w − k) / (1 − r).
            needed = math.ceil((required * workers - kuwaitis) / (1 - required)) if required < 1 else workers - kuwaitis
        if size_band != SizeBand.MICRO and percent_of_quota is not None:
            band = QuotaBand.objects.filter(min_percent_of_quota__lte=percent_of_quota).first()
    return Standing(
        workers=workers,
        kuwaitis=kuwaitis,
        share_percent=share,
        size_band=size_band,
        quota=quota,
        percent_of_quota=percent_of_quota,
        band=band,
        kuwaitis_needed=needed,
        over_capacity=workers > establishment.licensed_capacity,
    )


# --- Who acts for which establishment ----------------------------------------------------------------


def civil_id_hash_of(user):
    """The keyed hash of the civil ID the user signed in with (national ID), or None."""
    if user is None or not user.is_authenticated:
        return None
    return NationalIdentity.objects.filter(user_id=user.pk).values_list("civil_id_hash", flat=True).first()


def establishments_for(user):
    """The establishments `user` is an authorised signatory of."""
    civil_hash = civil_id_hash_of(user)
    if not civil_hash:
        return Establishment.objects.none()
    return Establishment.objects.filter(signatories__civil_id_hash=civil_hash).select_related("activity", "governorate")


def establishment_for(user, licence_number):
    """The establishment, if `user` may act for it: else NotFound (no such licence) or NotSignatory (403)."""
    establishment = (
        Establishment.objects.select_related("activity", "governorate").filter(licence_number=licence_number).first()
    )
    if establishment is None:
        raise EstablishmentNotFound()
    if not establishments_for(user).filter(pk=establishment.pk).exists():
        raise NotSignatory()
    return establishment


def bands():
    """Every quota band, highest first, with its meaning (the legend shown next to a standing)."""
    return list(QuotaBand.objects.all())


# --- Labour-needs requests ---------------------------------------------------------------------------

# The nationality groups a request may name (Kuwaiti, or one non-Kuwaiti group; never the totals).
REQUEST_NATIONALITIES = ("KWT", "GCC", "ARB", "ASI", "AFR", "OTH")
# The most one request may ask for, whatever the establishment (a typing slip of a zero too many).
MAX_WORKERS_ASKED = 5000


def norm_for(establishment):
    """The norm of the establishment's division, else of its section, else None (a norm of 1)."""
    norms = {norm.isic_division: norm for norm in ActivityNorm.objects.filter(activity_id=establishment.activity_id)}
    return norms.get(establishment.isic_division) or norms.get("")


def needs_fee(establishment):
    """The fee, in fils, of a labour-needs request for the establishment: its activity's, else the one for every
    activity, else 0 (the policy sets none)."""
    fees = {
        fee.activity_id: fee.fee_fils
        for fee in NeedsRequestFee.objects.filter(Q(activity_id=establishment.activity_id) | Q(activity__isnull=True))
    }
    return fees.get(establishment.activity_id, fees.get(None, 0))


def estimate(establishment, nationality, workers):
    """What a request for `workers` of `nationality` (a code: KWT or a non-Kuwaiti group) is likely to get, as a
    dict of plain values (it is kept with the request as the employer saw it):

    - need: the estimated real need, the licensed capacity times the activity's norm (rounded up);
    - room: the need less the workers it employs now (never below 0);
    - quota_room: for non-Kuwaiti workers under a quota, how many it may add and still meet the quota
      (k / (w + n) ≥ r, so n ≤ k / r − w); None where the quota sets no limit (Kuwaitis, no quota);
    - likely: the smallest of what was asked, the room and the quota room;
    - flags: `over_estimate` (asked for more than the room), `quota_shortfall` (more than the quota room),
      `over_capacity` (it employs more than its licence allows already)."""
    now = standing(establishment)
    norm = norm_for(establishment)
    per_unit = norm.workers_per_unit if norm is not None else Decimal(1)
    need = math.ceil(establishment.licensed_capacity * per_unit)
    room = max(0, need - now.workers)
    quota_room = None
    if nationality != "KWT" and now.quota is not None and now.quota.required_percent > 0:
        required = now.quota.required_percent / 100
        quota_room = max(0, math.floor(Decimal(now.kuwaitis) / required - now.workers)) if required < 1 else 0
    likely = min(workers, room, workers if quota_room is None else quota_room)
    flags = []
    if workers > room:
        flags.append("over_estimate")
    if quota_room is not None and workers > quota_room:
        flags.append("quota_shortfall")
    if now.over_capacity:
        flags.append("over_capacity")
    return {
        "licensed_capacity": establishment.licensed_capacity,
        "norm": str(per_unit),
        "norm_name_ar": norm.name_ar if norm else "",
        "norm_name_en": norm.name_en if norm else "",
        "need": need,
        "workers": now.workers,
        "kuwaitis": now.kuwaitis,
        "room": room,
        "nationality": nationality,
        "quota_percent": str(now.quota.required_percent) if now.quota is not None else None,
        "quota_room": quota_room,
        "kuwaitis_needed": now.kuwaitis_needed,
        "requested": workers,
        "likely": likely,
        "flags": flags,
    }


def explain(numbers):
    """Why: the estimate's reasoning as sentences in the active language (for the employer and for staff)."""
    norm_name = numbers["norm_name_ar"] if arabic() else numbers["norm_name_en"]
    lines = [
        (
            _(
                "The licence allows %(capacity)d workers; the norm for %(activity)s is %(norm)s workers per unit "
                "of licensed capacity, so the establishment's estimated real need is %(need)d workers."
            )
            if norm_name
            else _(
                "The licence allows %(capacity)d workers and no norm is set for the activity, so the "
                "establishment's estimated real need is its licensed capacity, %(need)d workers."
            )
        )
        % {
            "capacity": numbers["licensed_capacity"],
            "activity": norm_name,
            "norm": numbers["norm"],
            "need": numbers["need"],
        },
        _("It employs %(workers)d workers now, so it may add at most %(room)d.")
        % {"workers": numbers["workers"], "room": numbers["room"]},
    ]
    if numbers["nationality"] == "KWT":
        lines.append(_("Kuwaiti workers count towards the national-labour quota: the quota sets no limit."))
    elif numbers["quota_room"] is not None:
        lines.append(
            _(
                "To keep its share of Kuwaitis at the required %(percent)s %%, it may add at most %(quota_room)d "
                "non-Kuwaiti workers."
            )
            % {"percent": numbers["quota_percent"], "quota_room": numbers["quota_room"]}
        )
    lines.append(
        _("Likely to be approved: %(likely)d of the %(requested)d workers asked for.")
        % {"likely": numbers["likely"], "requested": numbers["requested"]}
    )
    return lines


def flag_messages(numbers):
    """The estimate's flags as warnings in the active language."""
    messages = {
        "over_estimate": _(
            "Over-estimate: you asked for more workers than the establishment's estimated real need leaves room for."
        ),
        "quota_shortfall": _(
            "Quota shortfall: these workers would take the establishment below its national-labour quota; it "
            "needs %(needed)d more Kuwaitis to meet the quota now."
        )
        % {"needed": numbers["kuwaitis_needed"]},
        "over_capacity": _("The establishment already employs more workers than its licence allows."),
    }
    return [messages[flag] for flag in numbers["flags"] if flag in messages]


def needs_requests_of(user):
    """The requests `user` submitted, newest first."""
    if user is None or not user.is_authenticated:
        return NeedsRequest.objects.none()
    return NeedsRequest.objects.filter(requester_id=user.pk).select_related(
        "establishment", "nationality", "occupation"
    )


def needs_request_of(user, reference):
    """The user's own request, or NotFound (another person's request is not theirs to see)."""
    found = needs_requests_of(user).filter(reference=reference).first()
    if found is None:
        raise NeedsRequestNotFound()
    return found


def labour_authority_code():
    """The authority that decides labour-needs requests and whose staff inspect (settings.LABOUR_AUTHORITY)."""
    return getattr(settings, "LABOUR_AUTHORITY", "MSAL")


def reviewed_authority_codes(user):
    """The codes of the authorities whose labour-needs requests `user` reviews: a superuser all (None), other
    staff those whose editors' group they are in."""
    return ministry_codes(user)


def may_review(user, request):
    codes = reviewed_authority_codes(user)
    return user.is_active and (codes is None or request.authority.code in codes)


def needs_queue(user, state=None):
    """The requests `user` reviews (their authorities'), the oldest waiting first."""
    queue = NeedsRequest.objects.select_related("establishment", "authority", "nationality", "occupation").order_by(
        "created_at", "pk"
    )
    codes = reviewed_authority_codes(user)
    if codes is not None:
        queue = queue.filter(authority__code__in=codes)
    if state:
        queue = queue.filter(state=state)
    return queue


def reviewable(user, reference):
    """The request with this reference, if `user` reviews it; else NotFound."""
    found = needs_queue(user).filter(reference=reference).first()
    if found is None:
        raise NeedsRequestNotFound()
    return found


# --- Marginal-labour signals ---------------------------------------------------------------------------

SIGNAL_KINDS = ("over_capacity", "over_need", "over_approved", "unpaid", "absent")
MAX_SIGNAL_MONTHS = 24


@dataclass
class Signal:
    """One reason to look at an establishment: `kind` (SIGNAL_KINDS), the workers it concerns, and the figures
    behind it."""

    establishment: object
    kind: str
    workers: int
    figures: dict

    @property
    def label(self):
        return signal_labels()[self.kind]

    @property
    def detail(self):
        return signal_details()[self.kind] % self.figures


def signal_labels():
    return {
        "over_capacity": _("More workers than the licence allows"),
        "over_need": _("More workers than the estimated real need"),
        "over_approved": _("More workers than the approved need"),
        "unpaid": _("Workers with no salary transfer"),
        "absent": _("Workers reported absent"),
    }


def signal_details():
    return {
        "over_capacity": _("%(employed)d workers for a licensed capacity of %(capacity)d: %(excess)d too many."),
        "over_need": _("%(employed)d workers for an estimated real need of %(need)d: %(excess)d too many."),
        "over_approved": _(
            "%(employed)d workers for an approved need of %(approved)d (request %(reference)s): %(excess)d too many."
        ),
        "unpaid": _("%(count)d workers had no salary transferred from %(since)s to %(until)s."),
        "absent": _("%(count)d workers were reported absent from %(since)s to %(until)s."),
    }


def _months_back(month, count):
    """The first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


def wage_window(months):
    """(first month, last month) of the last `months` months of wage data (the latest month any file gave), or
    None when no wage data is held."""
    latest = WageRecord.objects.aggregate(latest=Max("month"))["latest"]
    if latest is None:
        return None
    return _months_back(latest, months - 1), latest


def _unpaid_workers(establishments, window):
    """{establishment id: [worker hash, …]}: workers in the wage data through the window's last month, employed
    since its first month at least, with no salary transferred in the whole window."""
    since, until = window
    rows = (
        WageRecord.objects.filter(establishment__in=establishments)
        .values("establishment_id", "worker_hash")
        .annotate(first=Min("month"), last=Max("month"), last_paid=Max("month", filter=Q(salary_fils__gt=0)))
        .filter(first__lte=since, last=until)
    )
    found = {}
    for row in rows:
        if row["last_paid"] is None or row["last_paid"] < since:
            found.setdefault(row["establishment_id"], []).append(row["worker_hash"])
    return found


def _absent_workers(establishments, window):
    since, until = window
    rows = (
        WageRecord.objects.filter(
            establishment__in=establishments, absence_reported=True, month__gte=since, month__lte=until
        )
        .values_list("establishment_id", "worker_hash")
        .distinct()
    )
    found = {}
    for establishment_id, worker in rows:
        found.setdefault(establishment_id, []).append(worker)
    return found


def marginal_signals(*, months=3, kinds=SIGNAL_KINDS, governorate=None, activity=None):
    """Every signal of marginal labour, the most workers concerned first: establishments employing more workers
    than their licence allows, than their estimated real need (the labour-needs norm), or than the need the
    authority approved (its decisions on labour-needs requests), and those whose workers
    had no salary transferred for `months` months or were reported absent in them (the wage-protection data)."""
    establishments = Establishment.objects.select_related("activity", "governorate").annotate(
        employed=Sum("workforce__workers")
    )
    if governorate:
        establishments = establishments.filter(governorate__code=governorate)
    if activity:
        establishments = establishments.filter(activity__code=activity)
    establishments = list(establishments)
    norms = {(norm.activity_id, norm.isic_division): norm.workers_per_unit for norm in ActivityNorm.objects.all()}
    window = wage_window(months) if {"unpaid", "absent"} & set(kinds) else None
    unpaid = _unpaid_workers(establishments, window) if window and "unpaid" in kinds else {}
    absent = _absent_workers(establishments, window) if window and "absent" in kinds else {}
    period = {"since": f"{window[0]:%Y-%m}", "until": f"{window[1]:%Y-%m}"} if window else {}
    signals = []
    for establishment in establishments:
        employed = establishment.employed or 0
        capacity = establishment.licensed_capacity
        per_unit = norms.get((establishment.activity_id, establishment.isic_division)) or norms.get(
            (establishment.activity_id, ""), Decimal(1)
        )
        need = math.ceil(capacity * per_unit)
        if "over_capacity" in kinds and employed > capacity:
            figures = {"employed": employed, "capacity": capacity, "excess": employed - capacity}
            signals.append(Signal(establishment, "over_capacity", employed - capacity, figures))
        if "over_need" in kinds and need < capacity and employed > need:
            figures = {"employed": employed, "need": need, "excess": employed - need}
            signals.append(Signal(establishment, "over_need", employed - need, figures))
        approved = establishment.approved_need
        if "over_approved" in kinds and approved is not None and employed > approved:
            figures = {
                "employed": employed,
                "approved": approved,
                "reference": establishment.approved_need_reference,
                "excess": employed - approved,
            }
            signals.append(Signal(establishment, "over_approved", employed - approved, figures))
        for kind, found in (("unpaid", unpaid), ("absent", absent)):
            workers = found.get(establishment.pk)
            if workers:
                signals.append(Signal(establishment, kind, len(workers), {"count": len(workers), **period}))
    signals.sort(key=lambda signal: (-signal.workers, signal.establishment.licence_number, signal.kind))
    return signals


def signal_evidence(establishment, kind, months):
    """The wage records behind an `unpaid` or `absent` signal: {worker hash: [WageRecord, …]} over the window."""
    window = wage_window(months)
    if window is None:
        return {}
    found = (_unpaid_workers if kind == "unpaid" else _absent_workers)([establishment], window)
    workers = found.get(establishment.pk, [])
    records = (
        WageRecord.objects.filter(
            establishment=establishment, worker_hash__in=workers, month__gte=window[0], month__lte=window[1]
        )
        .select_related("wage_import")
        .order_by("worker_hash", "month")
    )
    evidence = {worker: [] for worker in sorted(workers)}
    for record in records:
        evidence[record.worker_hash].append(record)
    return evidence


def may_inspect(user):
    """Labour inspectors: the staff of the labour authority (settings.LABOUR_AUTHORITY, its editors' group), and
    superusers."""
    codes = reviewed_authority_codes(user)
    return user.is_active and (codes is None or labour_authority_code() in codes)
