"""Template loading per theme: the request's theme's templates first, then the default theme's, then the apps'.
`{% extends "base.html" %}` in any app's template therefore gets the base of the theme being worn."""

from django.template.loaders import cached, filesystem

from .registry import current_theme


class ThemeLoader(filesystem.Loader):
    def get_dirs(self):
        return current_theme().template_dirs


class CachedLoader(cached.Loader):
    """Django's cached loader, with the theme in the key: one name resolves to a different file per theme."""

    def cache_key(self, template_name, skip=None):
        return f"{current_theme().name}:{super().cache_key(template_name, skip)}"
