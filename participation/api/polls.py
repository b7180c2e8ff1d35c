"""`/api/v1/polls/`."""

urlpatterns = []
