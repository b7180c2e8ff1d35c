"""The payments screens of the admin: payments (with their log, refunds and the staff refund), bills, refunds,
webhook endpoints and deliveries (with resend), API keys (created, shown once, and revoked), and
reconciliation (a settlement file uploaded, and its matching). The ledgers are read only. Each
authority's payments staff (the "<CODE> payments" group) see their own authority's rows only, on every
screen (`selectors.staff_rows`); another authority's row is a 404. Every staff action goes through
services.staff, which checks it and writes its audit row."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, re_path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import register_permission_policy

from core import charts, exports
from core.errors import PortalError
from core.money import format_fils
from core.permissions import LimitedPermissionPolicy

from . import selectors
from .errors import InvalidSettlement
from .models import (
    ApiKey,
    Bill,
    Payment,
    Refund,
    SettlementImport,
    SettlementUpload,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .services import parse_dinars, staff
from .services.reconciliation import status_counts

# The ledgers are read in the admin, never written there: a refund, a resend or a revocation is an action of
# its own (below), through services.staff.
for _model in (Payment, Bill, Refund, WebhookDelivery, ApiKey, SettlementImport):
    register_permission_policy(_model, LimitedPermissionPolicy(_model, allowed={"view"}))
register_permission_policy(WebhookEndpoint, LimitedPermissionPolicy(WebhookEndpoint, denied={"delete"}))


# --- Each authority's staff see their own rows ------------------------------------------------------------


class OwnRows:
    """An admin view of a payments model that shows the staff member's authorities' rows only."""

    def get_base_queryset(self):
        return selectors.staff_rows(self.request.user, self.model)

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not selectors.staff_rows(self.request.user, self.model).filter(pk=instance.pk).exists():
            raise Http404
        return instance


class IndexView(OwnRows, generic.IndexView):
    # (label, URL name, permission): an action of its own shown as a button at the top of the list.
    action_button = None

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.action_button:
            label, url_name, permission = self.action_button
            if self.request.user.has_perm(permission):
                buttons.append(HeaderButton(label, url=reverse(url_name), icon_name="plus"))
        return buttons


class InspectView(OwnRows, generic.InspectView):
    pass


class EditView(OwnRows, generic.EditView):
    pass


class DeleteView(OwnRows, generic.DeleteView):
    pass


class HistoryView(OwnRows, history.HistoryView):
    pass


class UsageView(OwnRows, usage.UsageView):
    pass


class PaymentsViewSet(ModelViewSet):
    index_view_class = IndexView
    inspect_view_class = InspectView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView
    usage_view_class = UsageView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []


class AmountColumn(Column):
    """An amount in fils, written in dinars in the admin's language."""

    def get_value(self, instance):
        return format_fils(getattr(instance, self.name))


def _amount(field, label):
    return AmountColumn(field, label=label, sort_key=field)


# --- Payments and the staff refund ------------------------------------------------------------------------


class PaymentInspectView(InspectView):
    template_name = "payments/admin/payment_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = self.object
        context.update(
            payment=payment,
            amount_available=selectors.amount_available(payment),
            line_items=payment.line_items.select_related("authority", "bill"),
            refunds=payment.refunds.all(),
            events=payment.events.all(),
            may_refund=self.request.user.has_perm("payments.add_refund"),
            refund_url=reverse("payments_admin_refund", args=[payment.pk]),
        )
        return context


class PaymentViewSet(PaymentsViewSet):
    name = "payments_payment"
    model = Payment
    icon = "form"
    menu_label = _("Payments")
    url_prefix = "payments/payments"
    list_display = [
        "reference",
        "authority",
        "state",
        _amount("amount_fils", _("amount")),
        "source",
        "gateway",
        "created_at",
    ]
    list_filter = {"state": ["exact"], "source": ["exact"], "gateway": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["reference", "description_ar", "description_en", "gateway_transaction"]
    list_export = ["reference", "authority", "state", "amount_fils", "source", "gateway", "created_at", "finished_at"]
    ordering = ["-created_at"]
    inspect_view_class = PaymentInspectView


class RefundForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount to refund (KWD)"),
        max_length=20,
        help_text=_("In dinars, with at most three decimals (e.g. 2.500)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"}),
    )
    expected_available = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def clean_amount(self):
        try:
            return parse_dinars(self.cleaned_data["amount"].strip(), "amount")
        except PortalError as error:
            raise forms.ValidationError(error.message) from None


@permission_required("payments.add_refund", raise_exception=True)
def refund_view(request, pk):
    """The staff refund: the amount available is shown and sent back with the form; if it changed meanwhile
    (another refund), or more is asked than is available, the form says so (412) and nothing is written."""
    payment = get_object_or_404(selectors.staff_rows(request.user, Payment), pk=pk)
    available = selectors.amount_available(payment)
    status = 200
    if request.method == "POST":
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                refund = staff.refund(
                    request.user,
                    payment,
                    amount_fils=form.cleaned_data["amount"],
                    expected_available=form.cleaned_data["expected_available"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except PortalError as error:
                form.add_error("amount" if error.field in (None, "amount") else None, error.message)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Refund %(reference)s of %(amount)s: %(state)s.")
                    % {
                        "reference": refund.reference,
                        "amount": format_fils(refund.amount_fils),
                        "state": refund.get_state_display(),
                    },
                )
                return redirect("payments_payment:inspect", payment.pk)
        else:
            status = 400
        # The amount available as it is now: the form is shown again against it.
        form.data = form.data.copy()
        form.data["expected_available"] = str(selectors.amount_available(payment))
        available = selectors.amount_available(payment)
    else:
        form = RefundForm(initial={"expected_available": available})
    context = {
        "payment": payment,
        "form": form,
        "amount_available": available,
        "amount_available_display": format_fils(available),
        "page_title": _("Refund %(reference)s") % {"reference": payment.reference},
        "header_icon": "undo",
    }
    return TemplateResponse(request, "payments/admin/refund.html", context, status=status)


# --- Bills and refunds ------------------------------------------------------------------------------------


class BillViewSet(PaymentsViewSet):
    name = "payments_bill"
    model = Bill
    icon = "doc-full"
    menu_label = _("Bills")
    url_prefix = "payments/bills"
    list_display = [
        "number",
        "authority",
        "state",
        _amount("amount_due_fils", _("amount due")),
        _amount("amount_paid_fils", _("amount paid")),
        "due_date",
    ]
    list_filter = {"state": ["exact"], "due_date": ["gte", "lte"], "partial_allowed": ["exact"]}
    search_fields = ["number", "payer_account", "description_ar", "description_en"]
    list_export = ["number", "authority", "state", "amount_due_fils", "amount_paid_fils", "due_date", "created_at"]
    ordering = ["-created_at"]
    inspect_view_fields_exclude = ["payer_civil_id_hash"]


class RefundViewSet(PaymentsViewSet):
    name = "payments_refund"
    model = Refund
    icon = "undo"
    menu_label = _("Refunds")
    url_prefix = "payments/refunds"
    list_display = ["reference", "payment", "state", _amount("amount_fils", _("amount")), "requested_by", "created_at"]
    list_filter = {"state": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["reference", "payment__reference", "reason"]
    list_export = ["reference", "payment", "state", "amount_fils", "reason", "requested_by", "created_at"]
    ordering = ["-created_at"]


# --- Webhooks ---------------------------------------------------------------------------------------------


class EndpointForm(WagtailAdminModelForm):
    url = forms.URLField(label=_("address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["authority", "url", "events", "active"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["authority"].queryset = selectors.staff_authorities(for_user)


class EndpointSaving:
    """Creating or changing an endpoint is a staff action (checked and audited in services.staff)."""

    def save_instance(self):
        data = self.form.cleaned_data
        return staff.save_endpoint(
            self.request.user,
            None if isinstance(self, generic.CreateView) else self.object,
            authority=data["authority"],
            url=data["url"],
            events=data["events"],
            active=data["active"],
            request=self.request,
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form)


class EndpointCreateView(EndpointSaving, generic.CreateView):
    pass


class EndpointEditView(EndpointSaving, EditView):
    pass


class WebhookEndpointViewSet(PaymentsViewSet):
    name = "payments_webhookendpoint"
    model = WebhookEndpoint
    icon = "link"
    menu_label = _("Webhook endpoints")
    url_prefix = "payments/webhook-endpoints"
    list_display = ["url", "authority", "active", "created_at"]
    form_fields = ["authority", "url", "events", "active"]
    add_view_class = EndpointCreateView
    edit_view_class = EndpointEditView
    inspect_view_fields = ["authority", "url", "events", "active", "secret", "created_at"]

    def get_form_class(self, for_update=False):
        return EndpointForm


class DeliveryInspectView(InspectView):
    template_name = "payments/admin/delivery_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            delivery=self.object,
            attempts=self.object.attempt_log.all(),
            may_resend=self.request.user.has_perm("payments.change_webhookdelivery"),
            resend_url=reverse("payments_admin_resend", args=[self.object.pk]),
        )
        return context


class WebhookDeliveryViewSet(PaymentsViewSet):
    name = "payments_webhookdelivery"
    model = WebhookDelivery
    icon = "mail"
    menu_label = _("Webhook deliveries")
    url_prefix = "payments/webhook-deliveries"
    list_display = ["event_type", "endpoint", "state", "attempts", "next_attempt_at", "last_error", "created_at"]
    list_filter = {"state": ["exact"], "event_type": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["event_id"]
    ordering = ["-created_at"]
    inspect_view_class = DeliveryInspectView


@require_POST
@permission_required("payments.change_webhookdelivery", raise_exception=True)
def resend_view(request, pk):
    delivery = get_object_or_404(selectors.staff_rows(request.user, WebhookDelivery), pk=pk)
    copy = staff.resend_webhook(request.user, delivery, request=request)
    messages.success(request, _("The message was sent again as a new delivery."))
    return redirect("payments_webhookdelivery:inspect", copy.pk)


# --- API keys ---------------------------------------------------------------------------------------------


class ApiKeyInspectView(InspectView):
    template_name = "payments/admin/api_key_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            api_key=self.object,
            may_revoke=self.object.is_active and self.request.user.has_perm("payments.change_apikey"),
            revoke_url=reverse("payments_admin_revoke", args=[self.object.pk]),
        )
        return context


class ApiKeyIndexView(IndexView):
    action_button = (_("New API key"), "payments_admin_new_key", "payments.add_apikey")


class ApiKeyViewSet(PaymentsViewSet):
    index_view_class = ApiKeyIndexView
    name = "payments_apikey"
    model = ApiKey
    icon = "key"
    menu_label = _("API keys")
    url_prefix = "payments/api-keys"
    list_display = ["name", "prefix", "authority", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = {"revoked_at": ["isnull"]}
    inspect_view_fields = ["name", "prefix", "authority", "scopes", "created_at", "last_used_at", "revoked_at"]
    inspect_view_class = ApiKeyInspectView


@require_POST
@permission_required("payments.change_apikey", raise_exception=True)
def revoke_view(request, pk):
    api_key = get_object_or_404(selectors.staff_rows(request.user, ApiKey), pk=pk)
    staff.revoke_key(request.user, api_key, request=request)
    messages.success(request, _("The key was revoked: it is refused from now on."))
    return redirect("payments_apikey:inspect", api_key.pk)


class ApiKeyForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("authority"), queryset=None)
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("Which system uses the key."))
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = selectors.staff_authorities(user)


@permission_required("payments.add_apikey", raise_exception=True)
def new_key_view(request):
    """A new API key for one of the staff member's authorities. The key is shown once, on the answer to the
    form (never in an address, a message or the database), and only its hash is kept."""
    status = 200
    form = ApiKeyForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                api_key, token = staff.create_key(request.user, **form.cleaned_data, request=request)
            except PortalError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                context = {
                    "api_key": api_key,
                    "token": token,
                    "page_title": _("API key %(prefix)s") % {"prefix": api_key.prefix},
                    "header_icon": "key",
                }
                # The admin's answers are never cached (no-store): the key is in this one page only.
                return TemplateResponse(request, "payments/admin/api_key_created.html", context, status=201)
        else:
            status = 400
    context = {"form": form, "page_title": _("New API key"), "header_icon": "key", "submit_label": _("Create the key")}
    return TemplateResponse(request, "payments/admin/form.html", context, status=status)


# --- Reconciliation ---------------------------------------------------------------------------------------


def _totals_chart(totals, *, right_to_left):
    """Daily totals per authority as a bar chart (core.charts), in dinars."""
    days = sorted({day for day, _code, _lines, _total in totals})
    codes = sorted({code for _day, code, _lines, _total in totals})
    figures = {(day, code): total for day, code, _lines, total in totals}
    data = charts.ChartData(
        categories=[day.isoformat() for day in days],
        series=[
            charts.ChartSeries(code=code, label=code, values=[(figures.get((day, code)) or 0) / 1000 for day in days])
            for code in codes
        ],
    )
    return charts.draw(data, "bar", right_to_left=right_to_left, series_class="payments-series")


class SettlementInspectView(InspectView):
    """A settlement file's reconciliation: the lines that did not match, the payments and the refunds missing
    from it, and the daily totals per authority as a table and a chart, with CSV/XLSX exports."""

    template_name = "payments/admin/settlement_inspect.html"

    def get_context_data(self, **kwargs):
        from django.utils.translation import get_language_bidi

        context = super().get_context_data(**kwargs)
        user, settlement = self.request.user, self.object
        totals = selectors.daily_totals(user, settlement)
        context.update(
            settlement=settlement,
            problems=selectors.settlement_problems(user, settlement)[:500],
            missing=selectors.missing_from_settlement(user, settlement)[:500],
            missing_refunds=selectors.refunds_missing_from_settlement(user, settlement)[:500],
            totals=[(day, code, lines, format_fils(total)) for day, code, lines, total in totals],
            drawing=_totals_chart(totals, right_to_left=get_language_bidi()) if totals else None,
            exports=[
                (kind, fmt, reverse("payments_admin_settlement_export", args=[settlement.pk, kind, fmt]))
                for kind in ("totals", "problems", "missing", "refunds")
                for fmt in ("csv", "xlsx")
            ],
        )
        return context


class SettlementIndexView(IndexView):
    action_button = (_("Upload a settlement file"), "payments_admin_settlement_upload", "payments.add_settlementimport")


SETTLEMENT_MAX_BYTES = 20 * 1024 * 1024


class SettlementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Settlement file"),
        help_text=_(
            "CSV in UTF-8 with the columns settlement_date, track_id, transaction_id, amount, currency "
            "and type (payment or refund; docs/payments.md). A file with any bad line is refused whole."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > SETTLEMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


@permission_required("payments.add_settlementimport", raise_exception=True)
def settlement_upload_view(request):
    """The acquirer's settlement file uploaded by staff: kept, and imported in the background by the same
    service as the `import_settlement` command (services.staff.upload_settlement); the staff member follows it
    on its progress page (`settlement_progress_view`)."""
    status = 200
    form = SettlementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                accepted = staff.upload_settlement(request.user, upload.read(), file_name=upload.name, request=request)
            except PortalError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                return redirect("payments_admin_settlement_progress", accepted.pk)
        else:
            status = 400
    return _upload_form(request, form, status=status)


def _upload_form(request, form, *, status, refusal=None):
    """The upload form, with a refused file's message and every problem by line and column above it."""
    more = refusal.problem_count - len(refusal.problems) if refusal else 0
    context = {
        "form": form,
        "form_action": reverse("payments_admin_settlement_upload"),
        "refusal": refusal,
        "more_problems": _("… and %(count)d more problems.") % {"count": more} if more > 0 else "",
        "page_title": _("Upload a settlement file"),
        "header_title": _("Upload a settlement file"),
        "header_icon": "table",
        "submit_label": _("Import"),
        "multipart": True,
    }
    return TemplateResponse(request, "payments/admin/form.html", context, status=status)


# How often the progress page asks how far the import got (the script), or reloads (without script).
PROGRESS_POLL_SECONDS = 1
PROGRESS_REFRESH_SECONDS = 3


def _progress(upload):
    """How far an upload's import got: the figures of the progress bar and its status text, in the active
    language (the page and its JSON say the same)."""
    State = SettlementUpload.State
    total = max(upload.lines_total, 1)
    read = min(upload.lines_read, total)
    percent = read * 100 // total
    figures = {"read": read, "total": total, "percent": percent}
    if upload.state == State.QUEUED:
        text = _("Waiting for the import to start (%(total)d lines).") % figures
    elif upload.state == State.RUNNING and read < total:
        text = _("Lines read: %(read)d of %(total)d (%(percent)d%%).") % figures
    elif upload.state == State.RUNNING:
        text = _("All %(total)d lines read; matching them to payments and recording them.") % figures
    elif upload.state == State.DONE:
        text = _("Imported: %(total)d lines read.") % figures
    elif upload.state == State.REFUSED:
        text = _("The file was refused; nothing was imported.")
    else:
        text = _("The import stopped on an error; nothing was imported.")
    return {**figures, "state": upload.state, "finished": upload.finished, "status": str(text)}


@never_cache
@permission_required("payments.add_settlementimport", raise_exception=True)
def settlement_progress_view(request, pk):
    """An uploaded settlement file's progress, for the staff member who uploaded it: a progress bar that a
    script (payments/settlement-progress.js) moves by asking `settlement_progress_status_view`, or that the page
    reloads itself without a script. When the import has ended the page is the import's page (with its
    summary), or the upload form again with the refusal, every problem by line and column."""
    upload = get_object_or_404(selectors.own_settlement_uploads(request.user), pk=pk)
    State = SettlementUpload.State
    if upload.state == State.DONE:
        settlement = upload.settlement
        if settlement is None:
            return redirect("payments_settlementimport:index")
        counts = ", ".join(f"{label}: {count}" for _status, label, count in status_counts(settlement))
        messages.success(
            request,
            _("%(file)s imported: %(lines)d lines (%(counts)s).")
            % {"file": settlement.file_name, "lines": settlement.lines, "counts": counts},
        )
        return redirect("payments_settlementimport:inspect", settlement.pk)
    if upload.state == State.REFUSED:
        refusal = InvalidSettlement(upload.message, problems=upload.problems)
        refusal.problem_count = upload.problem_count
        return _upload_form(request, SettlementUploadForm(), status=refusal.status, refusal=refusal)
    if upload.state == State.FAILED:
        failure = InvalidSettlement(_progress(upload)["status"])
        return _upload_form(request, SettlementUploadForm(), status=200, refusal=failure)
    context = {
        "upload": upload,
        "progress": _progress(upload),
        "status_url": reverse("payments_admin_settlement_progress_status", args=[upload.pk]),
        "refresh_seconds": PROGRESS_REFRESH_SECONDS,
        "poll_milliseconds": PROGRESS_POLL_SECONDS * 1000,
        "page_title": _("Importing a settlement file"),
        "header_title": _("Importing a settlement file"),
        "header_icon": "table",
    }
    return TemplateResponse(request, "payments/admin/settlement_progress.html", context)


@never_cache
@permission_required("payments.add_settlementimport", raise_exception=True)
def settlement_progress_status_view(request, pk):
    """How far an upload's import got, as JSON, for the staff member who uploaded it (anyone else: 404):
    {"state", "read", "total", "percent", "status", "finished", "next"}; `next` is the progress page, which
    is the import's page or the refusal once `finished`."""
    upload = get_object_or_404(selectors.own_settlement_uploads(request.user), pk=pk)
    answer = _progress(upload)
    answer["next"] = reverse("payments_admin_settlement_progress", args=[upload.pk])
    return JsonResponse(answer)


class SettlementImportViewSet(PaymentsViewSet):
    index_view_class = SettlementIndexView
    name = "payments_settlementimport"
    model = SettlementImport
    icon = "table"
    menu_label = _("Reconciliation")
    url_prefix = "payments/settlements"
    list_display = ["file_name", "first_date", "last_date", "lines", _amount("total_fils", _("total")), "imported_at"]
    ordering = ["-imported_at"]
    inspect_view_class = SettlementInspectView


@permission_required("payments.view_settlementimport", raise_exception=True)
def settlement_export_view(request, pk, kind, fmt):
    """The reconciliation's tables as CSV or XLSX (core.exports)."""
    from django.utils.translation import get_language_bidi

    settlement = get_object_or_404(SettlementImport, pk=pk)
    user = request.user
    if kind == "totals":
        header = [_("settlement date"), _("authority"), _("payments"), _("total (fils)")]
        rows = selectors.daily_totals(user, settlement)
    elif kind == "problems":
        header = [
            _("line"),
            _("settlement date"),
            _("type"),
            _("refund"),
            _("track id"),
            _("transaction"),
            _("amount (fils)"),
            _("status"),
        ]
        rows = (
            (
                line.line_number,
                line.settlement_date,
                line.get_kind_display(),
                line.refund.reference if line.refund_id else "",
                line.track_id,
                line.transaction_id,
                line.amount_fils,
                line.get_status_display(),
            )
            for line in selectors.settlement_problems(user, settlement).iterator()
        )
    elif kind == "refunds":
        header = [
            _("refund"),
            _("payment"),
            _("authority"),
            _("amount (fils)"),
            _("finished"),
            _("gateway reference"),
        ]
        rows = (
            (
                refund.reference,
                refund.payment.reference,
                refund.payment.authority.code if refund.payment.authority_id else "",
                refund.amount_fils,
                refund.finished_at,
                refund.gateway_reference,
            )
            for refund in selectors.refunds_missing_from_settlement(user, settlement).iterator()
        )
    else:
        header = [_("reference"), _("authority"), _("amount (fils)"), _("finished"), _("gateway transaction")]
        rows = (
            (
                payment.reference,
                payment.authority.code if payment.authority_id else "",
                payment.amount_fils,
                payment.finished_at,
                payment.gateway_transaction,
            )
            for payment in selectors.missing_from_settlement(user, settlement).iterator()
        )
    filename = f"settlement-{settlement.pk}-{kind}.{fmt}"
    if fmt == "xlsx":
        return exports.xlsx_response(filename, header, rows, right_to_left=get_language_bidi(), title=kind)
    return exports.csv_response(filename, header, rows)


class PaymentsViewSetGroup(ModelViewSetGroup):
    items = (
        PaymentViewSet,
        BillViewSet,
        RefundViewSet,
        WebhookEndpointViewSet,
        WebhookDeliveryViewSet,
        ApiKeyViewSet,
        SettlementImportViewSet,
    )
    menu_icon = "form"
    menu_label = _("Payments")
    menu_name = "payments"


@hooks.register("register_admin_viewset")
def register_payments_viewsets():
    return PaymentsViewSetGroup()


@hooks.register("register_admin_urls")
def register_payments_actions():
    return [
        path("payments/payments/<int:pk>/refund/", refund_view, name="payments_admin_refund"),
        path("payments/webhook-deliveries/<int:pk>/resend/", resend_view, name="payments_admin_resend"),
        path("payments/api-keys/<int:pk>/revoke/", revoke_view, name="payments_admin_revoke"),
        path("payments/api-keys/new/", new_key_view, name="payments_admin_new_key"),
        path("payments/settlements/upload/", settlement_upload_view, name="payments_admin_settlement_upload"),
        path(
            "payments/settlements/uploads/<int:pk>/",
            settlement_progress_view,
            name="payments_admin_settlement_progress",
        ),
        path(
            "payments/settlements/uploads/<int:pk>/status.json",
            settlement_progress_status_view,
            name="payments_admin_settlement_progress_status",
        ),
        re_path(
            r"^payments/settlements/(?P<pk>[0-9]+)/export/(?P<kind>totals|problems|missing|refunds)\.(?P<fmt>csv|xlsx)$",
            settlement_export_view,
            name="payments_admin_settlement_export",
        ),
    ]
