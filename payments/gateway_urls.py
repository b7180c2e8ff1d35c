"""Gateway callbacks, outside /ar/ and /en/: a gateway posts to one fixed address."""

from .views import gateway_urlpatterns

app_name = "payments_gateway"
urlpatterns = gateway_urlpatterns
