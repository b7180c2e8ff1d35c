from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import api_schema as content_api_schema
from cms import cache as content_cache
from core import views as core_views
from identity import national_id, receipt_views
from identity import views as identity_views
from search import views as search_views

from .api import content_api

handler500 = "core.views.server_error"

urlpatterns = [
    path("", core_views.root_redirect, name="root"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("language/<str:language>/", core_views.switch_language, name="switch_language"),
    path("theme/", include("themes.urls")),
    # Staff sign in through the accounts pages (MFA and rate limits), never through a side door.
    path("admin/login/", identity_views.admin_login_redirect, name="wagtailadmin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/schema/", content_api_schema.schema_view, name="content-api-schema"),
    path("api/v2/", content_api.urls),
    path("api/v1/", include("portal.api_v1")),
    re_path(identity_views.NOT_SERVED_HEADLESS, identity_views.not_served),  # no phone sign-in
    path("_allauth/", include("allauth.headless.urls")),
    path("payments/gateway/", include("payments.gateway_urls")),
    path(".well-known/jwks.json", receipt_views.jwks, name="receipt_jwks"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    # Before allauth's own: the national-ID callback also checks the ID token's signature and nonce, which
    # allauth skips for tokens it fetched itself (docs/national-id.md).
    path("accounts/", include(national_id.urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("account/", identity_views.account_home, name="account_home"),
    path("receipts/verify/", receipt_views.verify_receipt_page, name="receipt_verify"),
    path("participate/", include("participation.urls")),
    path("notifications/", include("notifications.urls")),
    path("payments/", include("payments.urls")),
    path("labour/", include("labour.urls")),
    path("search/", search_views.search_page, name="search_page"),
    # Wagtail's URLs, its pages routed through the route cache (cms/cache.py).
    path("", include([*content_cache.wagtail_urlpatterns(wagtail_urls.urlpatterns)])),
    prefix_default_language=True,
)
