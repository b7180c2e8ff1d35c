"""The labour app's pages for employers: the establishments a person is an authorised signatory of, and where
each stands against its national-labour quota. Thin: selectors read, refusals propagate (core.middleware)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from . import selectors


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


app_name = "labour"
urlpatterns = [
    path("establishments/", my_establishments, name="my_establishments"),
    path("establishments/<str:licence_number>/", establishment_detail, name="establishment"),
]
