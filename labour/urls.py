from .views import urlpatterns

app_name = "labour"
urlpatterns = urlpatterns
