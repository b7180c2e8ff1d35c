"""`/api/v1/comments/`."""

urlpatterns = []
