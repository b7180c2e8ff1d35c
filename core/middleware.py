from django.conf import settings
from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware turns any 404 into a redirect to the language-prefixed path when that path
    would match a pattern — and Wagtail's catch-all matches everything. An API client asking for a missing
    page must get its 404, not a redirect to an HTML page, so paths outside the i18n URLs keep their 404."""

    def process_response(self, request, response):
        if request.path_info.startswith(settings.PORTAL_UNPREFIXED_PATHS):
            return response
        return super().process_response(request, response)
