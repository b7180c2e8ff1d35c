"""The labour app's pages for employers: the establishments a person is an authorised signatory of, where each
stands against its national-labour quota, and labour-needs requests (the estimate before submitting, the
request's page with the decision and its signed receipt). Thin: services write, selectors read, refusals
propagate (core.middleware) except those shown next to the form."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.errors import InvalidInput
from core.money import format_fils
from payments.registry import pay_url

from . import selectors, services
from .forms import NeedsRequestForm


@login_required
def my_establishments(request):
    establishments = [
        (establishment, selectors.standing(establishment))
        for establishment in selectors.establishments_for(request.user)
    ]
    return render(
        request,
        "labour/my_establishments.html",
        {"establishments": establishments, "national_id": bool(selectors.civil_id_hash_of(request.user))},
    )


@login_required
def establishment_detail(request, licence_number):
    establishment = selectors.establishment_for(request.user, licence_number)
    return render(
        request,
        "labour/establishment.html",
        {
            "establishment": establishment,
            "standing": selectors.standing(establishment),
            "bands": selectors.bands(),
        },
    )


@login_required
def needs_new(request, licence_number):
    """The request form. "Check" shows what is likely to be approved and why, and flags an over-estimate or a
    quota shortfall; "Submit" sends it (checked again: the estimate is the one kept with the request)."""
    establishment = selectors.establishment_for(request.user, licence_number)
    form = NeedsRequestForm(request.POST or None)
    numbers = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "submit":
                created = services.submit_needs_request(
                    request.user,
                    licence_number,
                    nationality=data["nationality"],
                    occupation=data["occupation"],
                    workers=data["workers"],
                    justification=data["justification"],
                )
                return redirect("labour:needs_request", created.reference)
            numbers = services.check_needs_request(
                request.user,
                licence_number,
                nationality=data["nationality"],
                occupation=data["occupation"],
                workers=data["workers"],
            )[3]
        except InvalidInput as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
    return render(
        request,
        "labour/needs_new.html",
        {
            "establishment": establishment,
            "form": form,
            "estimate": numbers,
            "reasons": selectors.explain(numbers) if numbers else [],
            "warnings": selectors.flag_messages(numbers) if numbers else [],
            "fee": format_fils(fee) if (fee := selectors.needs_fee(establishment)) else "",
        },
    )


@login_required
def my_needs_requests(request):
    return render(
        request,
        "labour/my_needs_requests.html",
        {
            "needs_requests": selectors.needs_requests_of(request.user),
            "establishments": selectors.establishments_for(request.user),
        },
    )


@login_required
def needs_request_detail(request, reference):
    found = selectors.needs_request_of(request.user, reference)
    return render(
        request,
        "labour/needs_request.html",
        {
            "needs_request": found,
            "reasons": selectors.explain(found.estimate),
            "warnings": selectors.flag_messages(found.estimate),
        },
    )


@login_required
@require_POST
def needs_pay(request, reference):
    """ "Pay the fee" of a request awaiting payment: the payment (the fee fixed on the request, never a figure the
    browser sent) is started and the employer sent to the gateway; they come back to the request's page."""
    back = reverse("labour:needs_request", args=[reference])
    payment = services.pay_needs_request(request.user, reference, return_url=back)
    return redirect(pay_url(payment.reference))


app_name = "labour"
urlpatterns = [
    path("establishments/", my_establishments, name="my_establishments"),
    path("establishments/<str:licence_number>/", establishment_detail, name="establishment"),
    path("establishments/<str:licence_number>/needs/new/", needs_new, name="needs_new"),
    path("needs/", my_needs_requests, name="my_needs_requests"),
    path("needs/<str:reference>/", needs_request_detail, name="needs_request"),
    path("needs/<str:reference>/pay/", needs_pay, name="needs_pay"),
]
