"""Public petition pages. Writes go through services, exactly as in the API."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_safe

from cms.models import Authority
from core import pagecache
from identity.models import Action
from identity.policy import may

from ..forms.petitions import PetitionFilterForm, SignPetitionForm, SponsorPetitionForm, StartPetitionForm
from ..models import Petition
from ..selectors import petitions as selectors
from ..services import petitions as services
from ..services.common import AssuranceTooLow


def _authorities(request):
    return list(Authority.objects.filter(locale__language_code=request.LANGUAGE_CODE).order_by("name"))


@require_safe
@pagecache.cache_public(live=True)  # signature counts
def petition_list(request):
    """Public petitions, filtered by words, authority and state (open or closed) with a GET form."""
    form = PetitionFilterForm(request.GET or None, authorities=_authorities(request))
    rows, status = [], 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        petitions = selectors.search_petitions(
            authority_code=data.get("authority") or None,
            state=data.get("state") or None,
            query=(data.get("q") or "").strip() or None,
        )
        rows = [(petition, selectors.signature_count(petition.pk)) for petition in petitions[:50]]
    return render(
        request,
        "participation/petition_list.html",
        {"rows": rows, "form": form, "showing_closed": form.is_bound and form.data.get("state") == "closed"},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def petition_detail(request, pk):
    """An open petition's page has its signing form for a signed-in citizen only: a visitor, who must sign in to
    sign anyway (L2), gets a link to sign in and the same page as every other visitor, without a CSRF token, so
    that caches keep it (core/pagecache.py; live: its count changes with every signature)."""
    petition = selectors.public_petitions().filter(pk=pk).first()
    if petition is None:
        raise Http404
    if request.method != "POST":
        pagecache.public(request, live=petition.state == Petition.State.OPEN)
    if request.method == "POST" or request.user.is_authenticated:
        form = SignPetitionForm(request.POST if request.method == "POST" else None)
    else:
        form = None
    refusal = None
    status = 200
    if form is not None and form.is_bound:
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
            "thresholds": selectors.thresholds(petition, count),
            "form": form,
            "refusal": refusal,
            "needs_sign_in": _sign_in_needed(request, refusal) or form is None,
            "assurance_message": may(request.user, Action.PETITION_SIGN).message if form is None else "",
            "has_signed": selectors.has_signed(request.user, petition),
        },
        status=status,
    )


def _sign_in_needed(request, error):
    return isinstance(error, AssuranceTooLow) and not request.user.is_authenticated


@require_http_methods(["GET", "HEAD", "POST"])
def petition_start(request):
    """Start a petition: it then collects sponsors through a share link (see `my_petitions`)."""
    decision = may(request.user, Action.PETITION_CREATE)
    form = StartPetitionForm(request.POST if request.method == "POST" else None, authorities=_authorities(request))
    refusal, status = None, 200
    if form.is_bound:
        if not decision.allowed:
            refusal, status = AssuranceTooLow(decision), 403
        elif form.is_valid():
            try:
                petition = services.create_petition(
                    request.user,
                    form.authorities[form.cleaned_data["authority"]],
                    form.cleaned_data["title"],
                    form.cleaned_data["body"],
                )
            except services.InvalidPetition as error:
                # The form already requires a title and a text; what is left is a text that was nothing but
                # markup the sanitiser removes.
                form.add_error("body", error.message)
                status = error.status
            except services.ParticipationError as error:
                refusal, status = error, error.status
            else:
                return redirect(f"{reverse('participation:my_petitions')}?started={petition.pk}#petition-{petition.pk}")
        else:
            status = 400
    return render(
        request,
        "participation/petition_start.html",
        {
            "form": form,
            "decision": decision,
            "refusal": refusal,
            "needs_sign_in": not request.user.is_authenticated,
        },
        status=status,
    )


@require_safe
def my_petitions(request):
    """The petitions the signed-in citizen started: state, reason for a rejection, the sponsor link."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    petitions = list(selectors.petitions_by(request.user))
    rows = []
    for petition in petitions:
        public = petition.state in Petition.PUBLIC_STATES
        rows.append(
            {
                "petition": petition,
                "share_url": request.build_absolute_uri(
                    reverse("participation:petition_sponsor", args=[petition.sponsor_token])
                ),
                "count": selectors.signature_count(petition.pk) if public else None,
                "public": public,
            }
        )
    started = request.GET.get("started", "")
    return render(
        request,
        "participation/petition_mine.html",
        {"rows": rows, "started": int(started) if started.isdigit() else None},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def petition_sponsor(request, token):
    """The page behind a sponsor share link: read the petition, then sponsor it with one button."""
    petition = selectors.petition_by_sponsor_token(token)
    # What moderation rejected or hid is not shown again through an old share link.
    if petition is None or petition.state in (Petition.State.REJECTED, Petition.State.HIDDEN):
        raise Http404
    form = SponsorPetitionForm(request.POST if request.method == "POST" else None)
    refusal, status, sponsored = None, 200, False
    if form.is_bound:
        if form.is_valid():
            try:
                services.sponsor_petition(request.user, token)
            except services.ParticipationError as error:
                refusal, status = error, error.status
            else:
                sponsored = True
                petition = selectors.petition_by_sponsor_token(token)
        else:
            status = 400
    return render(
        request,
        "participation/petition_sponsor.html",
        {
            "petition": petition,
            "form": form,
            "refusal": refusal,
            "status_code": status,
            "sponsored": sponsored,
            "is_author": request.user.is_authenticated and petition.author_id == request.user.pk,
            "has_sponsored": not sponsored and selectors.has_sponsored(request.user, petition),
            "collecting": petition.state == Petition.State.COLLECTING_SPONSORS,
            "needs_sign_in": _sign_in_needed(request, refusal),
        },
        status=status,
    )


urlpatterns = [
    path("petitions/", petition_list, name="petition_list"),
    path("petitions/new/", petition_start, name="petition_start"),
    path("petitions/mine/", my_petitions, name="my_petitions"),
    path("petitions/sponsor/<str:token>/", petition_sponsor, name="petition_sponsor"),
    path("petitions/<int:pk>/", petition_detail, name="petition_detail"),
]
