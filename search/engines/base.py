"""The interface every search engine gives: the same query API and the same result shape."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import Unavailable

from ..query import SearchQuery, SearchResults, Suggestion
from ..registry import SearchRecord


class SearchUnavailable(Unavailable):
    """The engine cannot answer now (e.g. Elasticsearch is down): a 503 `search_unavailable`, never a 500."""

    code = "search_unavailable"

    def default_message(self):
        return _("Search is unavailable at the moment. Please try again shortly.")


class SearchEngine:
    name = ""

    def search(self, query: SearchQuery) -> SearchResults:
        raise NotImplementedError

    def correction(self, query: SearchQuery) -> str | None:
        """The query's text with its misspelt words replaced by the closest words the index knows, when that
        differs; None when the engine has nothing to offer (Elasticsearch matches English with fuzziness
        instead)."""
        return None

    def suggest(self, text: str, locale: str | None = None, limit: int = 10) -> list[Suggestion]:
        """Titles that match `text` as it is being typed: every word is the start of a word of the title."""
        raise NotImplementedError

    def index(self, records: Iterable[SearchRecord]) -> int:
        """Add or replace these records; returns how many were written."""
        raise NotImplementedError

    def remove(self, kind: str, source_ids: Iterable[str]) -> int:
        raise NotImplementedError

    def rebuild(self, records: Iterable[SearchRecord], kinds: Iterable[str] | None = None) -> int:
        """Replace everything of these kinds (everything when None) by `records`, as one switch: searches
        see the old entries until the new ones are complete."""
        raise NotImplementedError
