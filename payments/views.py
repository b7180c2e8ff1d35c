"""The citizen's pages: paying a service's fee, a payment's page (state, receipt), the sandbox's hosted
page, and the gateways' callbacks. Thin: services write, selectors read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import PortalError
from identity.models import Action
from identity.policy import may

from . import gateways, selectors, services
from .errors import InvalidPayment, PaymentForbidden
from .gateways import CallbackRefused, Outcome
from .gateways.sandbox import SandboxGateway


@login_required
@require_POST
def pay_fee(request, page_id):
    """ "Pay the fee" on a service page: the amount is the page's own, never anything the browser sent."""
    decision = may(request.user, Action.PAY_FEE)
    if not decision.allowed:
        raise PaymentForbidden(decision.message)
    page = selectors.service_with_fee(page_id)
    payment = services.pay_service_fee(page, request.user)
    return redirect("payments:pay", payment.reference)


def pay(request, reference):
    """Where a payment is paid from (the `next_url` an authority's system sends its user to): starts the
    payment and sends the browser to the gateway."""
    payment = selectors.payment_for_viewer(reference, request.user)
    if payment.is_final:
        return redirect("payments:payment_detail", payment.reference)
    destination = services.start_payment(payment, request)
    if destination.method == "POST":
        return render(request, "payments/redirect_post.html", {"destination": destination})
    return HttpResponseRedirect(destination.url)


def payment_detail(request, reference):
    payment = selectors.payment_for_viewer(reference, request.user)
    return render(
        request,
        "payments/payment_detail.html",
        {"payment": payment, "line_items": payment.line_items.select_related("authority")},
    )


@login_required
def my_bills(request):
    """Every open bill addressed to the citizen's civil ID, from every authority, paid in one checkout."""
    bills = list(selectors.open_bills_for(request.user))
    error = None
    if request.method == "POST":
        try:
            payment = services.checkout_bills(request.user, _chosen_bills(request.POST))
        except PortalError as refused:
            error = refused
        else:
            return redirect("payments:pay", payment.reference)
    return render(
        request,
        "payments/bills.html",
        {
            "bills": bills,
            "error": error,
            "has_national_id": bool(selectors.civil_id_hash_of(request.user)),
        },
        status=error.status if error else 200,
    )


def _chosen_bills(form):
    """{bill id: amount in fils or None} from the ticked boxes; a partial amount is typed in dinars (1.250)."""
    choices = {}
    for value in form.getlist("bill")[:50]:
        if not value.isdigit():
            raise InvalidPayment(field="bill")
        typed = form.get(f"amount_{value}", "").strip()
        choices[int(value)] = services.parse_dinars(typed, f"amount_{value}") if typed else None
    return choices


@login_required
def my_payments(request):
    """The citizen's payment history, newest first."""
    payments = selectors.payments_of_payer(request.user)
    return render(request, "payments/my_payments.html", {"payments": payments})


def printable_receipt(request, reference):
    """A paid payment's receipt in Arabic and English side by side, for printing, with its signed receipt."""
    payment = selectors.payment_for_viewer(reference, request.user)
    if payment.state != "success":
        raise InvalidPayment(_("Only a paid payment has a receipt."))
    items = list(payment.line_items.select_related("authority"))
    return render(request, "payments/receipt.html", {"payment": payment, "line_items": items})


def sandbox_page(request, reference):
    """The sandbox's hosted payment page: the tester chooses what the bank answers."""
    payment = selectors.payment_for_viewer(reference, request.user)
    if payment.gateway != SandboxGateway.name:
        raise InvalidPayment()
    sandbox = SandboxGateway()
    choices = [
        {"outcome": outcome, "result": sandbox.signed_result(payment, outcome)}
        for outcome in (Outcome.SUCCESS, Outcome.FAILED, Outcome.CANCELLED)
    ]
    return render(request, "payments/sandbox_page.html", {"payment": payment, "choices": choices})


def gateway_problem(request):
    """Where a gateway sends the payer when its answer could not be read: nothing was paid through it."""
    return render(request, "payments/gateway_problem.html", status=400)


@csrf_exempt
@require_POST
def gateway_callback(request, gateway_name):
    """A gateway's callback (it posts from its own site, so no CSRF token). Whatever arrives is logged; a
    message that cannot be read or trusted changes nothing."""
    gateway = gateways.get(gateway_name)
    try:
        result = gateway.parse_callback(request)
    except CallbackRefused as refused:
        services.record_refused(gateway.name, refused)
        return gateway.refused_response(refused, request)
    with translation.override(result.decoded.get("language") or translation.get_language()):
        payment = services.handle_callback(gateway, result)
        return gateway.callback_response(payment, request)


urlpatterns = [
    path("fee/<int:page_id>/", pay_fee, name="pay_fee"),
    path("", my_payments, name="my_payments"),
    path("bills/", my_bills, name="my_bills"),
    path("gateway-problem/", gateway_problem, name="gateway_problem"),
    path("sandbox/<str:reference>/", sandbox_page, name="sandbox_page"),
    path("<str:reference>/pay/", pay, name="pay"),
    path("<str:reference>/receipt/", printable_receipt, name="receipt"),
    path("<str:reference>/", payment_detail, name="payment_detail"),
]

gateway_urlpatterns = [
    path("<str:gateway_name>/callback/", gateway_callback, name="gateway_callback"),
]
