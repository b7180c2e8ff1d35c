"""The portal's URLs plus the site benchmark's two references (see site_bench_settings.py).

- `/bench/bare/`: a JSON view that reads nothing, through the whole middleware stack: the most a view on these
  servers behind this proxy can do.
- `/bench/stock-v2/pages/`: stock Wagtail 8's v2 pages endpoint (`PagesAPIViewSet`, nothing of the portal's),
  listing plain pages."""

from django.http import JsonResponse
from django.urls import path
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from portal.urls import urlpatterns as portal_urlpatterns


def bare(request):
    return JsonResponse({"status": "ok"})


stock_api = WagtailAPIRouter("bench_stock_api")
stock_api.register_endpoint("pages", PagesAPIViewSet)

urlpatterns = [path("bench/bare/", bare), path("bench/stock-v2/", stock_api.urls), *portal_urlpatterns]
