"""Public consultations pages."""

urlpatterns = []
