"""Public comments pages."""

urlpatterns = []
