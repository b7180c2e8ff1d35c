"""The labour-market data cube: code lists (reference data), datasets, and one observation per cell.

A cell is a measure in a period broken down by nationality, sector, economic activity, occupation, sex and
governorate; a dimension that is not broken down holds its total code `_T` (never NULL, so the unique
constraint holds on every database). Values are whole counts, never negative.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from . import codes as cl
from .blocks import IndicatorChartBlock, IndicatorTableBlock


def arabic():
    """Whether the active language is Arabic (the portal's default): which of a record's two texts to show."""
    return (get_language() or "ar").startswith("ar")


class Code(models.Model):
    """One code of one code list, with its label in both languages."""

    dimension = models.CharField(_("dimension"), max_length=20)
    code = models.CharField(_("code"), max_length=20)
    label_en = models.CharField(_("English label"), max_length=200)
    label_ar = models.CharField(_("Arabic label"), max_length=200)
    parent = models.CharField(_("parent code"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["dimension", "position"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="labour_code_unique")]

    def __str__(self):
        return f"{self.dimension}:{self.code} {self.label}"

    @property
    def label(self):
        return self.label_ar if arabic() else self.label_en

    @property
    def is_total(self):
        return self.code == cl.TOTAL


class Dataset(models.Model):
    """Where observations come from. An illustrative dataset is labelled so on every page and file."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Shaped on published figures, not official statistics.")
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_ar if arabic() else self.name_en


class Frequency(models.TextChoices):
    ANNUAL = "A", _("Annual")
    QUARTERLY = "Q", _("Quarterly")
    MONTHLY = "M", _("Monthly")


def _code():
    # No foreign-key constraint in the database: PostgreSQL checks one row by row, nine lookups per inserted
    # observation, which made a million-row import take minutes (docs/decisions.md, "Labour cube: the code
    # columns carry no foreign-key constraint"). The import resolves every code against the code lists before it
    # writes; a code is never deleted (load_labour_codes only adds), and the ORM's PROTECT still refuses to
    # delete one an observation uses.
    return models.ForeignKey(Code, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)


class Observation(models.Model):
    """One cell of the cube."""

    measure = _code()
    period = models.CharField(_("period"), max_length=10, help_text="2024, 2024-Q1 or 2024-03")
    frequency = models.CharField(_("frequency"), max_length=1, choices=Frequency.choices)
    period_start = models.DateField(_("start of the period"))
    nationality = _code()
    sector = _code()
    activity = _code()
    occupation = _code()
    sex = _code()
    governorate = _code()
    value = models.BigIntegerField(_("value"))
    # Which of the six breakdowns are not at their total, a bit each in the order of codes.BREAKDOWNS
    # (breakdown_of): the cells a query reads — its `by` broken down, the rest at their total — are one range
    # of the index (measure, breakdown, period_start), whichever two dimensions it breaks down by. Written by
    # labour.services with the cell, never by hand.
    breakdown = models.PositiveSmallIntegerField(_("dimensions broken down"))
    status = _code()
    # No foreign-key constraint either, for the same reason (the index labour_obs_dataset serves PROTECT's check).
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="observations", db_index=False, db_constraint=False
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period", "nationality", "sector", "activity", "occupation", "sex", "governorate"],
                name="labour_observation_one_per_cell",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="labour_observation_value_not_negative"),
        ]
        indexes = [
            # Every read fixes the measure and reads a few breakdowns with the other dimensions at their total.
            models.Index(fields=["measure", "breakdown", "period_start"], name="labour_obs_by_breakdown"),
            models.Index(fields=["dataset"], name="labour_obs_dataset"),
        ]

    def __str__(self):
        return f"{self.period} {self.value}"


def breakdown_of(ids, totals):
    """The `breakdown` of a cell whose six breakdowns are `ids`, given their totals' ids (codes.BREAKDOWNS order)."""
    return sum(1 << bit for bit, (code_id, total) in enumerate(zip(ids, totals, strict=True)) if code_id != total)


class IndicatorImport(models.Model):
    """One run of `import_indicators` that was accepted: what it read and what it changed."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_format = models.CharField(_("format"), max_length=20)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="imports")
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("cells created"))
    updated = models.PositiveIntegerField(_("cells updated"))
    unchanged = models.PositiveIntegerField(_("cells unchanged"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator import")
        verbose_name_plural = _("indicator imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


def period_start(period):
    """The first day of an SDMX period (`2024`, `2024-Q1`, `2024-03`) and its frequency, or ValueError."""
    if len(period) == 4 and period.isdigit():
        return datetime.date(int(period), 1, 1), Frequency.ANNUAL
    if len(period) == 7 and period[4:6] == "-Q" and period[:4].isdigit() and period[6] in "1234":
        return datetime.date(int(period[:4]), 3 * int(period[6]) - 2, 1), Frequency.QUARTERLY
    if len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        month = int(period[5:])
        if 1 <= month <= 12:
            return datetime.date(int(period[:4]), month, 1), Frequency.MONTHLY
    raise ValueError(period)


class LabourDashboardPage(Page):
    """A page of indicator charts and tables an editor composes (labour.blocks)."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(
        [
            ("paragraph", blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"], label=_("Paragraph"))),
            ("indicator_chart", IndicatorChartBlock()),
            ("indicator_table", IndicatorTableBlock()),
        ],
        blank=True,
        verbose_name=_("body"),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "labour.LabourDashboardPage"]
    subpage_types = ["labour.LabourDashboardPage"]

    class Meta:
        verbose_name = _("labour market dashboard")


# --- Establishments and national-labour quotas ---------------------------------------------------------


class SizeBand(models.TextChoices):
    """An establishment's size by its workers, as quota bands are set (micro establishments are outside them)."""

    MICRO = "micro", _("Micro (1–9 workers)")
    SMALL = "small", _("Small (10–49)")
    MEDIUM = "medium", _("Medium (50–499)")
    LARGE = "large", _("Large (500–2,999)")
    GIANT = "giant", _("Giant (3,000 or more)")

    @classmethod
    def of(cls, workers):
        for limit, band in ((10, cls.MICRO), (50, cls.SMALL), (500, cls.MEDIUM), (3000, cls.LARGE)):
            if workers < limit:
                return band
        return cls.GIANT


class Establishment(models.Model):
    """An establishment (منشأة) registered with labour, as the authority's register describes it."""

    licence_number = models.CharField(_("licence number"), max_length=30, unique=True)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    activity = models.ForeignKey(Code, verbose_name=_("economic activity"), on_delete=models.PROTECT, related_name="+")
    isic_division = models.CharField(
        _("ISIC division"), max_length=2, blank=True, help_text=_("Two digits, e.g. 64 for banking.")
    )
    governorate = models.ForeignKey(Code, verbose_name=_("governorate"), on_delete=models.PROTECT, related_name="+")
    licensed_capacity = models.PositiveIntegerField(_("licensed capacity"), help_text=_("Workers the licence allows."))
    # The workers the labour authority has approved the establishment to employ in all, as its decisions on
    # labour-needs requests set it (labour.services.decide_needs_request); distinct from the estimated real
    # need, which the norms compute. None until a request is approved.
    approved_need = models.PositiveIntegerField(_("approved need"), null=True, blank=True)
    approved_need_reference = models.CharField(_("approved need set by"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")
        ordering = ["licence_number"]

    def __str__(self):
        name = self.name_ar if arabic() else (self.name_en or self.name_ar)
        return f"{self.licence_number} {name}"


class EstablishmentWorkforce(models.Model):
    """How many of an establishment's workers are of one nationality group and one occupation."""

    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="workforce")
    nationality = models.ForeignKey(Code, verbose_name=_("nationality"), on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey(Code, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+")
    workers = models.PositiveIntegerField(_("workers"))

    class Meta:
        verbose_name = _("workforce line")
        verbose_name_plural = _("workforce")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "nationality", "occupation"], name="labour_workforce_one_per_group"
            )
        ]

    def __str__(self):
        return f"{self.establishment_id} {self.workers}"


class NationalLabourQuota(models.Model):
    """The share of Kuwaitis an establishment of an activity must employ (a policy table staff edit). A quota
    for a division (two ISIC digits) comes before its section's."""

    activity = models.ForeignKey(Code, verbose_name=_("economic activity"), on_delete=models.PROTECT, related_name="+")
    isic_division = models.CharField(_("ISIC division"), max_length=2, blank=True)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    required_percent = models.DecimalField(
        _("required share of Kuwaitis (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("national-labour quota")
        verbose_name_plural = _("national-labour quotas")
        constraints = [
            models.UniqueConstraint(fields=["activity", "isic_division"], name="labour_quota_one_per_activity")
        ]

    def __str__(self):
        name = self.name_ar if arabic() else self.name_en
        return f"{name} {self.required_percent}%"


class QuotaBand(models.Model):
    """A band an establishment falls in by how far it meets its quota: its share of Kuwaitis as a percentage
    of the required share. The highest band whose minimum it reaches is its band (a policy table)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_ar = models.CharField(_("Arabic name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    min_percent_of_quota = models.PositiveSmallIntegerField(_("minimum (percent of the quota)"))
    meaning_ar = models.TextField(_("what it means (Arabic)"), blank=True)
    meaning_en = models.TextField(_("what it means (English)"), blank=True)

    class Meta:
        verbose_name = _("quota band")
        verbose_name_plural = _("quota bands")
        ordering = ["-min_percent_of_quota"]

    def __str__(self):
        return self.name_ar if arabic() else self.name_en

    @property
    def meaning(self):
        return self.meaning_ar if arabic() else self.meaning_en


class EstablishmentSignatory(models.Model):
    """A person who may act for an establishment (its authorised signatory, المفوض بالتوقيع), as staff record
    it from the commercial register. The person is known by the keyed hash of their civil ID
    (identity.national_id.civil_id_hash), never by the number: whoever signs in with that national ID (L2) acts
    for the establishment, and nobody else does."""

    establishment = models.ForeignKey(
        Establishment, verbose_name=_("establishment"), on_delete=models.CASCADE, related_name="signatories"
    )
    civil_id_hash = models.CharField(_("civil ID (keyed hash)"), max_length=64, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorised signatory")
        verbose_name_plural = _("authorised signatories")
        ordering = ["establishment", "name"]
        constraints = [models.UniqueConstraint(fields=["establishment", "civil_id_hash"], name="labour_signatory_once")]

    def __str__(self):
        return f"{self.establishment.licence_number} — {self.name or self.civil_id_hash[:12]}"


# --- Employers' labour-needs requests --------------------------------------------------------------------


class ActivityNorm(models.Model):
    """How many workers an establishment of an activity really needs per unit of its licensed capacity (a policy
    table staff edit). A division's norm (two ISIC digits) comes before its section's; without one, the need is
    the licensed capacity itself (a norm of 1)."""

    activity = models.ForeignKey(Code, verbose_name=_("economic activity"), on_delete=models.PROTECT, related_name="+")
    isic_division = models.CharField(_("ISIC division"), max_length=2, blank=True)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    workers_per_unit = models.DecimalField(
        _("workers per unit of licensed capacity"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("0.80: an establishment really needs 8 workers for every 10 its licence allows."),
    )

    class Meta:
        verbose_name = _("labour norm")
        verbose_name_plural = _("labour norms")
        constraints = [
            models.UniqueConstraint(fields=["activity", "isic_division"], name="labour_norm_one_per_activity")
        ]

    def __str__(self):
        return f"{self.name_ar if arabic() else self.name_en} {self.workers_per_unit}"


class NeedsRequestFee(models.Model):
    """The fee of a labour-needs request (a policy table staff edit): per economic activity, or for every
    activity without its own (no activity). No row: requests cost nothing. The fee is fixed on a request when it
    is submitted and paid through the payments sub-portal before staff review it."""

    activity = models.ForeignKey(
        Code,
        verbose_name=_("economic activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"dimension": cl.ACTIVITY},
        help_text=_("Empty: every activity that has no fee of its own."),
    )
    fee_fils = models.PositiveIntegerField(
        _("fee (fils)"),
        validators=[MaxValueValidator(10_000_000)],
        help_text=_("In fils: 5000 is 5.000 KWD. 0: no fee."),
    )

    class Meta:
        verbose_name = _("labour-needs request fee")
        verbose_name_plural = _("labour-needs request fees")
        constraints = [
            models.UniqueConstraint(Coalesce("activity", 0), name="labour_needs_fee_one_per_activity"),
            models.CheckConstraint(condition=models.Q(fee_fils__lte=10_000_000), name="labour_needs_fee_at_most"),
        ]

    def __str__(self):
        from core.money import format_fils

        activity = self.activity if self.activity_id else _("every activity")
        return f"{activity}: {format_fils(self.fee_fils)}"


def new_needs_reference():
    import secrets

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    return "LNR-" + "".join(secrets.choice(alphabet) for _index in range(10))


class NeedsRequest(models.Model):
    """An employer's request for workers (طلب احتياج من العمالة): an authorised signatory asks for a number of
    workers of one occupation and nationality group for their establishment. The estimate the employer was shown
    is kept with it, as it was when they submitted; staff decide. Written only by labour.services."""

    class State(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment of the fee")
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        PARTLY_APPROVED = "partly_approved", _("Approved in part")
        REJECTED = "rejected", _("Rejected")

    reference = models.CharField(_("reference"), max_length=20, unique=True, default=new_needs_reference)
    establishment = models.ForeignKey(
        Establishment, verbose_name=_("establishment"), on_delete=models.PROTECT, related_name="needs_requests"
    )
    authority = models.ForeignKey(
        "cms.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nationality = models.ForeignKey(Code, verbose_name=_("nationality"), on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey(Code, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+")
    workers_requested = models.PositiveIntegerField(_("workers requested"))
    justification = models.TextField(_("justification"), blank=True, max_length=2000)
    estimate = models.JSONField(_("estimate shown"), default=dict)
    workers_likely = models.PositiveIntegerField(_("likely to be approved"))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True)
    workers_approved = models.PositiveIntegerField(_("workers approved"), null=True, blank=True)
    reason_ar = models.TextField(_("reason (Arabic)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    receipt = models.TextField(_("signed receipt"), blank=True)
    # The fee the policy set when it was submitted (0: none), and the payment that pays it (payments' reference).
    # The establishment's approved need this decision set (its workforce then, or the approved need before if
    # larger, plus the workers approved); None when nothing was approved.
    approved_need = models.PositiveIntegerField(_("approved need"), null=True, blank=True)
    fee_fils = models.PositiveIntegerField(_("fee (fils)"), default=0)
    payment_reference = models.CharField(_("payment"), max_length=20, blank=True)
    paid_at = models.DateTimeField(_("fee paid at"), null=True, blank=True)
    # What payments has refunded of that payment so far (payments.registry's on_refunded), and when it last did.
    fee_refunded_fils = models.PositiveIntegerField(_("fee refunded (fils)"), default=0)
    fee_refunded_at = models.DateTimeField(_("fee refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("labour-needs request")
        verbose_name_plural = _("labour-needs requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(workers_requested__gte=1), name="labour_needs_some_workers"),
            models.CheckConstraint(
                condition=models.Q(workers_approved__isnull=True)
                | models.Q(workers_approved__lte=models.F("workers_requested")),
                name="labour_needs_approved_not_above_requested",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reason(self):
        return self.reason_ar if arabic() else self.reason_en

    @property
    def is_decided(self):
        return self.state not in (self.State.SUBMITTED, self.State.AWAITING_PAYMENT)

    @property
    def awaits_payment(self):
        return self.state == self.State.AWAITING_PAYMENT

    @property
    def fee_display(self):
        from core.money import format_fils

        return format_fils(self.fee_fils)

    @property
    def fee_refunded_display(self):
        from core.money import format_fils

        return format_fils(self.fee_refunded_fils)

    @property
    def fee_refunded_in_full(self):
        return bool(self.fee_fils) and self.fee_refunded_fils >= self.fee_fils


# --- Wage protection and marginal-labour signals ------------------------------------------------------------


class WageImport(models.Model):
    """One accepted run of `import_wages`: what it read and what it changed."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("records created"))
    updated = models.PositiveIntegerField(_("records updated"))
    unchanged = models.PositiveIntegerField(_("records unchanged"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wage-protection import")
        verbose_name_plural = _("wage-protection imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


class WageRecord(models.Model):
    """What the wage protection system (نظام حماية الأجور) says of one worker of an establishment in one month: the
    salary transferred (fils; 0 when nothing was) and whether the worker was reported absent. The worker is known
    only by the keyed hash of their civil ID."""

    establishment = models.ForeignKey(
        Establishment, verbose_name=_("establishment"), on_delete=models.CASCADE, related_name="wage_records"
    )
    worker_hash = models.CharField(_("worker (civil ID, keyed hash)"), max_length=64)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    salary_fils = models.BigIntegerField(_("salary transferred (fils)"))
    absence_reported = models.BooleanField(_("reported absent"), default=False)
    wage_import = models.ForeignKey(
        WageImport, verbose_name=_("import"), on_delete=models.PROTECT, related_name="records"
    )

    class Meta:
        verbose_name = _("wage-protection record")
        verbose_name_plural = _("wage-protection records")
        ordering = ["establishment", "-month", "worker_hash"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "worker_hash", "month"], name="labour_wage_one_per_month"),
            models.CheckConstraint(condition=models.Q(salary_fils__gte=0), name="labour_wage_not_negative"),
        ]
        indexes = [models.Index(fields=["establishment", "month"], name="labour_wage_by_month")]

    def __str__(self):
        return f"{self.establishment_id} {self.worker_hash[:12]} {self.month:%Y-%m}"
