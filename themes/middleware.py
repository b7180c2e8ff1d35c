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


def sign_in_origins():
    """The origins of the OpenID Connect providers configured (the national ID's gateway, or the demo's) and of
    CSP_FORM_ACTION_EXTRA."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    urls = [app.get("settings", {}).get("server_url") for app in apps]
    origins = []
    for url in (*urls, *getattr(settings, "CSP_FORM_ACTION_EXTRA", ())):
        if url:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return tuple(origins)


def content_security_policy(origins=None):
    """The policy of the public pages: everything from this origin, no inline scripts or styles, no frames."""
    # Signing in with the national ID posts to the portal, which redirects to the identity provider; browsers
    # check form-action on that redirect too.
    form_action = ["'self'", *(sign_in_origins() if origins is None else origins)]
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
        self.policies = {}  # by the sign-in origins, which the settings give (and tests change)

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(CSP_EXEMPT_PATHS) and "Content-Security-Policy" not in response:
            origins = sign_in_origins()
            policy = self.policies.get(origins)
            if policy is None:
                policy = self.policies[origins] = content_security_policy(origins)
            response["Content-Security-Policy"] = policy
        return response
