from django.urls import path

from . import api

urlpatterns = [
    path("petitions/", api.PetitionListCreateView.as_view(), name="api-petitions"),
    path("petitions/sponsor/<str:token>/", api.SponsorView.as_view(), name="api-petition-sponsor"),
    path("petitions/<int:pk>/", api.PetitionDetailView.as_view(), name="api-petition"),
    path("petitions/<int:pk>/signatures/", api.PetitionSignaturesView.as_view(), name="api-petition-sign"),
    path(
        "petitions/<int:pk>/signatures/by-governorate/",
        api.SignaturesByGovernorateView.as_view(),
        name="api-petition-by-governorate",
    ),
]
