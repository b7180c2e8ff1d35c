from .views import urlpatterns

app_name = "payments"
urlpatterns = urlpatterns
