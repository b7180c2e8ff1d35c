"""Which theme a request wears: the citizen's contrast choice (a cookie) over the site's theme (ThemeSettings)."""

from django.db import DatabaseError

from core import pagecache

from .registry import DEFAULT, HIGH_CONTRAST, THEMES, get_theme

CONTRAST_COOKIE = "portal_contrast"
CONTRAST_HIGH = "high"
CONTRAST_STANDARD = "standard"
CONTRAST_COOKIE_AGE = 365 * 24 * 3600


def site_theme_name(request):
    from wagtail.models import Site

    from .models import ThemeSettings

    def site_theme():
        site = Site.find_for_request(request)
        return ThemeSettings.for_site(site).theme if site is not None else DEFAULT

    try:
        # Kept in the cache per host until a page purge or a theme change (core.pagecache.fragment).
        name = pagecache.fragment("site-theme", (request.get_host(),), site_theme)
    except DatabaseError:
        # The error page must still render when the database is what failed.
        return DEFAULT
    return name if name in THEMES else DEFAULT


def theme_for_request(request):
    """High contrast when the citizen asked for it; the site's theme otherwise, except that a citizen who asked
    for standard contrast on a high-contrast site gets the default theme. Remembered on the request."""
    theme = getattr(request, "_portal_theme", None)
    if theme is None:
        choice = request.COOKIES.get(CONTRAST_COOKIE)
        if choice == CONTRAST_HIGH:
            name = HIGH_CONTRAST
        else:
            name = site_theme_name(request)
            if choice == CONTRAST_STANDARD and name == HIGH_CONTRAST:
                name = DEFAULT
        theme = get_theme(name)
        request._portal_theme = theme
    return theme
