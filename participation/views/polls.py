"""Public polls pages."""

urlpatterns = []
