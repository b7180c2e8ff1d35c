"""Reads of the payments ledger worth naming."""

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from cms.models import ServicePage

from .errors import BillNotFound, InvalidPayment, PaymentNotFound
from .models import Bill, Payment, PaymentState, Refund


def payment_for_viewer(reference, user):
    """The payment `reference` as the person asking may see it: a citizen's own payment only to them; a
    payment made without signing in (an authority's system sent its user) to whoever holds its reference."""
    payment = Payment.objects.filter(reference=str(reference)[:20]).select_related("authority").first()
    if payment is None:
        raise PaymentNotFound()
    if payment.payer_id is not None and (not user.is_authenticated or user.pk != payment.payer_id):
        raise PaymentNotFound()
    return payment


def service_with_fee(page_id):
    """The live service page `page_id` whose fee can be paid, or a refusal the citizen understands."""
    page = ServicePage.objects.live().public().filter(pk=page_id).select_related("authority", "locale").first()
    if page is None:
        raise PaymentNotFound()
    if not page.fee_fils:
        raise InvalidPayment(_("This service has no fee to pay."))
    if not page.is_available:
        raise InvalidPayment(_("This service is suspended; its fee cannot be paid now."))
    return page


def titles_by_language(page):
    """A page's title in each language it is published in, keyed by language code."""
    pages = type(page).objects.filter(translation_key=page.translation_key).select_related("locale")
    return {other.locale.language_code: other.title for other in pages}


def payments_of(authority, state=None):
    """An authority's payments (by its code: the same authority in either language), newest first."""
    payments = (
        Payment.objects.filter(line_items__authority__code=authority.code)
        .distinct()
        .select_related("authority")
        .prefetch_related("line_items__authority", "line_items__bill", "refunds")
    )
    if state:
        payments = payments.filter(state=state)
    return payments.order_by("-created_at", "-pk")


def payment_of(authority, reference):
    payment = payments_of(authority).filter(reference=str(reference)[:20]).first()
    if payment is None:
        raise PaymentNotFound()
    return payment


def bills_of(authority, state=None):
    bills = Bill.objects.filter(authority__code=authority.code).select_related("authority")
    if state:
        bills = bills.filter(state=state)
    return bills.order_by("-created_at", "-pk")


def bill_of(authority, number):
    bill = bills_of(authority).filter(number=str(number)[:40]).first()
    if bill is None:
        raise BillNotFound()
    return bill


def civil_id_hash_of(user):
    """The keyed hash of the civil ID the citizen signed in with (national ID), or "" without one."""
    if not user.is_authenticated:
        return ""
    identity = getattr(user, "national_identity", None)
    return identity.civil_id_hash if identity is not None else ""


def open_bills_for(user):
    """Every open bill, from every authority, addressed to the civil ID the citizen signed in with."""
    from django.utils import timezone

    civil_hash = civil_id_hash_of(user)
    if not civil_hash:
        return Bill.objects.none()
    return (
        Bill.objects.filter(payer_civil_id_hash=civil_hash, state__in=Bill.OPEN_STATES)
        .exclude(expires_at__lt=timezone.now())
        .select_related("authority")
        .order_by("due_date", "pk")
    )


def payments_of_payer(user, limit=200):
    """A citizen's own payments, newest first (the most recent `limit`)."""
    return Payment.objects.filter(payer=user).select_related("authority").order_by("-created_at", "-pk")[:limit]


# --- The admin: what a staff member sees -------------------------------------------------------------------


def staff_group_name(code):
    """The group whose members are an authority's payments staff (as cms names "<CODE> editors")."""
    return f"{code} payments"


def staff_authority_codes(user):
    """The authorities whose payments `user` may see in the admin: None for every authority (the portal's own
    staff: is_staff or superuser), else the codes of the "<CODE> payments" groups they are in (maybe none)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser or user.is_staff:
        return None
    suffix = staff_group_name("")
    return {name[: -len(suffix)] for name in user.groups.filter(name__endswith=suffix).values_list("name", flat=True)}


# How each admin screen's rows reach their authority's code.
_AUTHORITY_PATH = {
    "payment": "line_items__authority__code",
    "refund": "payment__line_items__authority__code",
    "bill": "authority__code",
    "apikey": "authority__code",
    "webhookendpoint": "authority__code",
    "webhookdelivery": "endpoint__authority__code",
}


def staff_rows(user, model):
    """The rows of `model` that `user` may see in the admin: their own authorities' only."""
    rows = model._default_manager.all()
    codes = staff_authority_codes(user)
    if codes is None:
        return rows
    path = _AUTHORITY_PATH.get(model._meta.model_name)
    if path is None:  # a settlement file is every authority's; what it shows is filtered (settlement_problems…)
        return rows
    return rows.filter(pk__in=model._default_manager.filter(**{f"{path}__in": codes}).values("pk"))


def staff_authorities(user):
    """The authorities (Arabic records) a staff member may choose in a form (a webhook endpoint's)."""
    from cms.models import Authority

    authorities = Authority.objects.filter(locale__language_code="ar").order_by("name")
    codes = staff_authority_codes(user)
    return authorities if codes is None else authorities.filter(code__in=codes)


def refunded_fils(payment):
    """What has been refunded of the payment: its refunds that succeeded."""
    return (
        Refund.objects.filter(payment=payment, state=Refund.State.SUCCESS).aggregate(total=Sum("amount_fils"))["total"]
        or 0
    )


def amount_available(payment):
    """What can still be refunded: the payment's amount less every refund not in error (0 unless paid)."""
    if payment.state != PaymentState.SUCCESS:
        return 0
    taken = (
        Refund.objects.filter(payment=payment)
        .exclude(state=Refund.State.ERROR)
        .aggregate(total=Sum("amount_fils"))["total"]
        or 0
    )
    return payment.amount_fils - taken


# --- Reconciliation ----------------------------------------------------------------------------------------

# The gateways whose payments the acquirer settles (the sandbox moves no money).
SETTLED_GATEWAYS = ("knet",)


def settlement_problems(user, settlement):
    """The lines of a settlement file that did not match cleanly, as `user` may see them: an authority's
    staff see the lines of their own payments (a line with no payment is the portal staff's to see)."""
    from .models import SettlementLine

    lines = settlement.settlement_lines.exclude(status=SettlementLine.Status.MATCHED).select_related(
        "payment", "refund"
    )
    codes = staff_authority_codes(user)
    if codes is not None:
        lines = lines.filter(payment__in=staff_rows(user, Payment))
    return lines.order_by("line_number")


def missing_from_settlement(user, settlement):
    """Paid payments through a settled gateway, finished on a day the file covers, that no settlement line
    (of this file or another) names."""
    from .models import SettlementLine

    return (
        staff_rows(user, Payment)
        .filter(
            state=PaymentState.SUCCESS,
            gateway__in=SETTLED_GATEWAYS,
            finished_at__date__gte=settlement.first_date,
            finished_at__date__lte=settlement.last_date,
        )
        .exclude(
            pk__in=SettlementLine.objects.filter(payment__isnull=False, kind=SettlementLine.Kind.PAYMENT).values(
                "payment"
            )
        )
        .select_related("authority")
        .order_by("finished_at")
    )


def refunds_missing_from_settlement(user, settlement):
    """Successful refunds of payments through a settled gateway, finished on a day the file covers, that no
    refund line (of this file or another) names: the money the acquirer has not yet been seen taking back."""
    from .models import SettlementLine

    return (
        staff_rows(user, Refund)
        .filter(
            state=Refund.State.SUCCESS,
            payment__gateway__in=SETTLED_GATEWAYS,
            finished_at__date__gte=settlement.first_date,
            finished_at__date__lte=settlement.last_date,
        )
        .exclude(
            pk__in=SettlementLine.objects.filter(refund__isnull=False, kind=SettlementLine.Kind.REFUND).values("refund")
        )
        .select_related("payment__authority")
        .order_by("finished_at", "pk")
    )


def own_settlement_uploads(user):
    """The settlement files `user` uploaded in the admin (only they follow an upload's progress), without
    the files' bytes."""
    from .models import SettlementUpload

    return SettlementUpload.objects.filter(uploaded_by=user).defer("data")


def daily_totals(user, settlement):
    """[(settlement date, authority code, lines, total fils)] of the file's matched lines, per authority (a
    checkout of several authorities counts each one's line items), the staff member's authorities only."""
    from .models import LineItem, SettlementLine

    matched = SettlementLine.objects.filter(
        settlement=settlement, kind=SettlementLine.Kind.PAYMENT, status=SettlementLine.Status.MATCHED
    )
    items = LineItem.objects.filter(payment__settlement_lines__in=matched)
    codes = staff_authority_codes(user)
    if codes is not None:
        items = items.filter(authority__code__in=codes)
    rows = (
        items.values_list("payment__settlement_lines__settlement_date", "authority__code")
        .annotate(lines=Count("payment", distinct=True), total=Sum("amount_fils"))
        .order_by("payment__settlement_lines__settlement_date", "authority__code")
    )
    return [(day, code, lines, total) for day, code, lines, total in rows]
