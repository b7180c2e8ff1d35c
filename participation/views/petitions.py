"""Public petition pages. Writes go through services, exactly as in the API."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe

from cms.models import Authority

from .. import selectors, services
from ..forms import SignPetitionForm


@require_safe
def petition_list(request):
    authority_code = request.GET.get("authority") or None
    query = (request.GET.get("q") or "").strip()[:100] or None
    petitions = selectors.search_petitions(authority_code=authority_code, query=query)
    rows = [(petition, selectors.signature_count(petition.pk)) for petition in petitions[:50]]
    authorities = Authority.objects.filter(locale__language_code=request.LANGUAGE_CODE).order_by("name")
    return render(
        request,
        "participation/petition_list.html",
        {"rows": rows, "authorities": authorities, "authority_code": authority_code, "query": query or ""},
    )


def _thresholds(petition, count):
    return [
        {
            "name": name,
            "target": threshold,
            "value": min(count, threshold),
            "percent": selectors.progress(count, threshold),
        }
        for name, threshold in (("response", petition.response_threshold), ("debate", petition.debate_threshold))
    ]


@require_http_methods(["GET", "HEAD", "POST"])
def petition_detail(request, pk):
    petition = selectors.public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    form = SignPetitionForm(request.POST if request.method == "POST" else None)
    refusal = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                signed = services.sign_petition(
                    request.user,
                    petition,
                    form.cleaned_data["governorate"],
                    form.cleaned_data["keep_informed"],
                    request,
                )
            except services.ParticipationError as error:
                refusal = error
                status = error.status
            else:
                return render(
                    request, "participation/petition_signed.html", {"petition": petition, "receipt": signed.receipt}
                )
        else:
            status = 400
    count = selectors.signature_count(petition.pk)
    return render(
        request,
        "participation/petition_detail.html",
        {
            "petition": petition,
            "count": count,
            "thresholds": _thresholds(petition, count),
            "form": form,
            "refusal": refusal,
            "needs_sign_in": isinstance(refusal, services.AssuranceTooLow) and not request.user.is_authenticated,
            "has_signed": selectors.has_signed(request.user, petition),
        },
        status=status,
    )


urlpatterns = [
    path("petitions/", petition_list, name="petition_list"),
    path("petitions/<int:pk>/", petition_detail, name="petition_detail"),
]
