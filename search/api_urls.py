from django.urls import path

from core import pagecache

from . import api

# The same answer for every client (no authentication): cached, purged on every publish (cms/cache.py).
urlpatterns = [
    path("", pagecache.cache_public(api.SearchView.as_view()), name="api-search"),
    path("suggest/", pagecache.cache_public(api.SuggestView.as_view()), name="api-search-suggest"),
]
