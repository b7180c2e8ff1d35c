"""What the home page shows besides the catalogue, added by the apps that own it.

The catalogue imports no sub-portal (docs/architecture.md: apps import `cms`, not the other way). A sub-portal that has
something for the home page (open consultations, petitions near a threshold) registers a `HomeSection` from its
own `home.py`; the home page asks each section, in order, for its context and includes its template. A section
whose context is None has nothing to show and is left out, heading and all."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class HomeSection:
    name: str
    template: str
    # (request, home_page) -> dict for the template, or None when there is nothing to show.
    context: Callable
    order: int = 100


_sections = {}


def register(section):
    """Add (or replace, by name) a section of the home page."""
    _sections[section.name] = section
    return section


def unregister(name):
    _sections.pop(name, None)


def sections_for(request, page):
    """[(section, context)] of the sections that have something to show, in order."""
    shown = []
    for section in sorted(_sections.values(), key=lambda section: (section.order, section.name)):
        context = section.context(request, page)
        if context is not None:
            shown.append((section, context))
    return shown


def autodiscover():
    autodiscover_modules("home")
