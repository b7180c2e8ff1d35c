"""The portal's URLs plus the benchmark's baseline view (see petition_bench_settings.py)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from portal.urls import urlpatterns as portal_urlpatterns

BASELINE_TABLE = "bench_baseline_row"


@csrf_exempt
def baseline_insert(request):
    """One INSERT and nothing else: the most a view on this server and database can do."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (token) VALUES (%s)", [request.headers.get("X-Session-Token", "")]
        )
    return HttpResponse(status=201)


urlpatterns = [path("bench/baseline/", baseline_insert), *portal_urlpatterns]
