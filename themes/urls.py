from django.urls import path

from . import views

urlpatterns = [path("contrast/", views.switch_contrast, name="switch_contrast")]
