"""The themes the public site can wear, and which one the request being served wears.

A theme is a folder under themes/: `templates/` (overriding the default theme's templates of the same name),
`static/themes/<name>/` (its design tokens and any extra CSS) and an entry in THEMES below. docs/themes.md
says how to add one."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

THEMES_DIR = Path(__file__).resolve().parent
DEFAULT = "default"
HIGH_CONTRAST = "high-contrast"


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    # Static paths, in order: the theme's tokens (CSS custom properties), the shared layout, then its extras.
    stylesheets: tuple[str, ...]

    @property
    def template_dirs(self):
        """Its own templates first, then the default theme's: a theme overrides only what it changes."""
        own = THEMES_DIR / self.name / "templates"
        default = THEMES_DIR / DEFAULT / "templates"
        return [own, default] if self.name != DEFAULT else [default]


THEMES = {
    DEFAULT: Theme(DEFAULT, _("Default"), ("themes/default/tokens.css", "themes/default/portal.css")),
    HIGH_CONTRAST: Theme(
        HIGH_CONTRAST,
        _("High contrast"),
        ("themes/high-contrast/tokens.css", "themes/default/portal.css", "themes/high-contrast/theme.css"),
    ),
}


def theme_choices():
    return [(theme.name, theme.label) for theme in THEMES.values()]


def get_theme(name):
    return THEMES.get(name) or THEMES[DEFAULT]


# The request being served (set by themes.middleware.ThemeMiddleware): the template loader and the template tags
# ask it for its theme, which is looked up only when a template is first needed.
_request = ContextVar("themes_request", default=None)


def current_theme():
    request = _request.get()
    if request is None:
        return THEMES[DEFAULT]
    from .selection import theme_for_request

    return theme_for_request(request)


@contextmanager
def serving(request):
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)
