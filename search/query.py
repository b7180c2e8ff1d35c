"""The one query API of every engine: a `SearchQuery` in, a `SearchResults` out."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from .normalize import query_words, words

MAX_QUERY_LENGTH = 500  # characters; a longer query is cut, not refused
MAX_QUERY_WORDS = 12  # the first distinct words of a query are searched
MAX_RESULT_WINDOW = 10_000  # page × page_size beyond this returns an empty page (Elasticsearch's own limit)
FACETS = ("kind", "authority", "life_event", "locale")
ORDERS = ("relevance", "date")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kinds: tuple[str, ...] = ()
    authorities: tuple[str, ...] = ()
    locale: str | None = None
    statuses: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None
    order: str = "relevance"
    page: int = 1
    page_size: int = 20

    def __post_init__(self):
        object.__setattr__(self, "text", cut(self.text or "", MAX_QUERY_LENGTH))

    @property
    def words(self):
        """The normalised words searched for, at most MAX_QUERY_WORDS of them."""
        return words(self.text, limit=MAX_QUERY_WORDS)

    @property
    def word_variants(self):
        """For each word, the forms any one of which must match (normalize.query_words)."""
        return query_words(self.text, limit=MAX_QUERY_WORDS)

    @property
    def has_text(self):
        return bool(self.text.strip())

    @property
    def offset(self):
        return (self.page - 1) * self.page_size

    @property
    def beyond_window(self):
        return self.offset + self.page_size > MAX_RESULT_WINDOW

    @property
    def by_date(self):
        """Without words to rank by, results come newest first."""
        return self.order == "date" or not self.has_text


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: str
    locale: str
    title: str
    url: str
    summary: str = ""
    highlight: str = ""
    authority: str = ""
    date: datetime | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResults:
    count: int = 0
    page: int = 1
    page_size: int = 20
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=lambda: {name: [] for name in FACETS})
    # When nothing matched the words as typed and the engine found close words that do: the text searched
    # instead ("did you mean"), and the results are for it.
    corrected: str = ""


@dataclass(frozen=True)
class Suggestion:
    kind: str
    id: str
    title: str
    url: str


def cut(text, length):
    """`text` cut to `length` characters, less the word the cut would split (if it is not the only one)."""
    if len(text) <= length:
        return text
    kept = text[:length]
    if not text[length].isspace():
        kept = re.sub(r"\S+$", "", kept) or kept
    return kept


def facet_values(counts):
    """FacetValues from {value: count}, most frequent first, then by value."""
    return [FacetValue(value, count) for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
