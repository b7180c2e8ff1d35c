from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("petitions/", views.petition_list, name="petition_list"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition_detail"),
]
