"""The configured engine: Elasticsearch when ELASTICSEARCH_URL is set, the database engine otherwise."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


def get_engine():
    return _engine(settings.ELASTICSEARCH_URL, settings.SEARCH_INDEX_PREFIX)


@cache
def _engine(url, prefix):
    if url:
        from .elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine(url, prefix)
    from .database import DatabaseEngine

    return DatabaseEngine()


@receiver(setting_changed)
def _forget_engine(setting, **kwargs):
    if setting.startswith(("ELASTICSEARCH_", "SEARCH_")):
        _engine.cache_clear()
