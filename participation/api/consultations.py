"""`/api/v1/consultations/`."""

urlpatterns = []
