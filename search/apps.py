from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "portal_search"
    verbose_name = "Search"

    def ready(self):
        from . import registry

        # Each app's search.py registers its sources (and connects its own signals) when imported.
        registry.autodiscover()
