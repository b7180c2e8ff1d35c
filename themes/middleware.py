from urllib.parse import urlsplit

from django.conf import settings

from .registry import serving


class ThemeMiddleware:
    """Makes the request known to the template loader and tags, which look its theme up when first needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with serving(request):
            return self.get_response(request)


# The Wagtail admin and the Swagger UI of the API docs ship inline scripts and styles of their own: they are
# staff and developer tools, not public pages, and keep the browser's defaults (docs/themes.md).
CSP_EXEMPT_PATHS = ("/admin/", "/api/v1/docs/")


def content_security_policy():
    """The policy of the public pages: everything from this origin, no inline scripts or styles, no frames."""
    form_action = ["'self'"]
    # Signing in with the national ID posts to the portal, which redirects to the identity provider; browsers
    # check form-action on that redirect too.
    for url in (getattr(settings, "NATIONAL_ID_ISSUER", None), *getattr(settings, "CSP_FORM_ACTION_EXTRA", ())):
        if url:
            parts = urlsplit(url)
            form_action.append(f"{parts.scheme}://{parts.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": form_action,
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends the strict Content-Security-Policy on every response outside CSP_EXEMPT_PATHS."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(CSP_EXEMPT_PATHS) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
