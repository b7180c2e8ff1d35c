"""What each app makes searchable. An app subclasses `SearchSource` in its own `search.py` and registers an
instance; the search app imports every installed app's `search` module when Django starts. Search never
imports an app: everything it knows about one comes through its source.

    class PetitionSearch(SearchSource):
        kind = "petition"
        label = _("Petitions")
        events = ("petition.opened", "petition.closed", "petition.hidden")

        def ids_from_event(self, event):
            return [event.payload["petition_id"]]

        def records(self, ids=None): ...      # SearchRecords of what is public now
        def public_ids(self, ids): ...        # which of these ids are public now

    register(PetitionSearch())
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import reduce
from operator import or_

from django.db import connections, router
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules

from core import events

from .normalize import clean_text, containing_pattern

MAX_TITLE_LENGTH = 255
MAX_SUMMARY_LENGTH = 2_000
MAX_BODY_LENGTH = 100_000  # a PostgreSQL tsvector must stay under 1 MB


@dataclass(frozen=True)
class SearchRecord:
    """One searchable object in one language, as every engine indexes it. Only public content becomes a
    record: a draft, a private page or a hidden comment has none, and is removed from the index."""

    kind: str
    source_id: str
    locale: str
    title: str
    url: str
    summary: str = ""
    body: str = ""
    authority: str = ""
    status: str = ""
    life_events: tuple[str, ...] = ()
    date: datetime | None = None

    def cleaned(self):
        """The record as engines index it: plain text, without control characters, within the limits."""
        return replace(
            self,
            source_id=str(self.source_id),
            title=clean_text(self.title, MAX_TITLE_LENGTH),
            summary=clean_text(self.summary, MAX_SUMMARY_LENGTH),
            body=clean_text(self.body, MAX_BODY_LENGTH),
            authority=self.authority or "",
            status=self.status or "",
            life_events=tuple(dict.fromkeys(self.life_events)),
        )


class SearchSource:
    """The contract between an app and search. `kind` names the source in the API (`?kind=`) and in the
    index; `events` are the `core.events` names after which the objects named by `ids_from_event` are
    read again and indexed, or removed when they are no longer public."""

    kind = ""
    label = ""
    events: tuple[str, ...] = ()

    def ids_from_event(self, event) -> list:
        raise NotImplementedError

    def records(self, ids=None) -> Iterable[SearchRecord]:
        """Every public record (`ids=None`), or those of the given source ids. An id without a record is
        not public (any more) and is removed from the index."""
        raise NotImplementedError

    def public_ids(self, ids) -> set[str]:
        """Which of these source ids are public now: the check made on every page of results, so that
        content hidden a moment ago is not shown while the index catches up."""
        raise NotImplementedError

    def entry_ids(self, source_id) -> list[str]:
        """The index entries one object may have: its own id, unless the source writes an object once per
        language (then each copy's id, so that the copies are removed with it)."""
        return [str(source_id)]

    def count(self) -> int | None:
        """How many objects `records()` goes through, for the progress bar of `search_reindex`."""
        return None

    def facet_labels(self, facet, values) -> dict:
        """{value: what the citizen reads} for the values of `facet` (`authority`, `life_event`…) this source
        can name, in the active language. Search imports no app: the sources name their own values."""
        return {}


PAGE_EVENTS = ("page.published", "page.unpublished", "page.deleted", "page.privacy_changed", "page.url_changed")


class PageSource(SearchSource):
    """A source of Wagtail pages of one model: its live, public pages, each in its own language, read again
    after cms's page events (docs/events.md). A subclass names `model` and writes `record(page)`; `related`
    names what `record` reads of each page's relations (select_related), `prefetched` its many-to-many."""

    model = None
    events = PAGE_EVENTS
    related: tuple[str, ...] = ("locale",)
    prefetched: tuple[str, ...] = ()

    def ids_from_event(self, event):
        page_ids = event.payload.get("page_ids", [])
        model = event.payload.get("model")
        if model is not None:
            return page_ids if model == self.model._meta.label_lower else []
        return list(self.model.objects.filter(pk__in=page_ids).values_list("pk", flat=True))

    def restricted_paths(self):
        """The tree paths of the pages with a view restriction: a page at or below one of them is not public (what
        Wagtail's `public()` excludes). Read from the database on each call here; an app that keeps them until they
        change says so (cms.cache.view_restricted_paths)."""
        from wagtail.models import PageViewRestriction

        return sorted(set(PageViewRestriction.objects.values_list("page__path", flat=True)))

    def pages(self, ids=None):
        private = Q()
        for path in self.restricted_paths():
            private |= Q(path__startswith=path)
        pages = self.model.objects.live().exclude(private if private else Q(pk__in=[]))
        if ids is not None:
            pages = pages.filter(pk__in=[int(source_id) for source_id in ids if str(source_id).isdigit()])
        return pages

    def records(self, ids=None):
        pages = self.pages(ids).select_related(*self.related).prefetch_related(*self.prefetched)
        for page in pages.order_by("pk").iterator(chunk_size=200):
            yield self.record(page)

    def record(self, page) -> SearchRecord:
        raise NotImplementedError

    def page_record(self, page, **fields):
        """The record of `page` with what every page has (its id, language, title and URL) and `fields`."""
        return SearchRecord(
            kind=self.kind,
            source_id=str(page.pk),
            locale=page.locale.language_code,
            title=page.title,
            url=page.get_url() or "",
            **fields,
        )

    def public_ids(self, ids):
        return public_page_ids({self: ids})[self.kind]

    def count(self):
        return self.pages().count()


def checks_pages(source):
    """Whether `source` is a PageSource whose check is `pages()` as PageSource writes it: such sources are checked
    together (public_page_ids)."""
    return (
        isinstance(source, PageSource)
        and type(source).public_ids is PageSource.public_ids
        and type(source).pages is PageSource.pages
    )


def public_page_ids(ids_by_source):
    """{kind: the ids that are live, public pages of the source's model now} for these page sources (`checks_pages`),
    in one query for them all: the pages of all the ids with their path and type, the view restrictions read once
    for each way sources read them (usually one, kept in a cache: cms.cache.view_restricted_paths). The same answer
    as each source's `pages(ids)`: live, under no restricted path, of the model or a subclass."""
    from django.contrib.contenttypes.models import ContentType

    wanted = {source: {str(source_id) for source_id in ids} for source, ids in ids_by_source.items()}
    found = {source.kind: set() for source in wanted}
    pks = {int(source_id) for ids in wanted.values() for source_id in ids if source_id.isdigit()}
    if not pks:
        return found
    readers = {}
    for source in wanted:
        readers.setdefault(type(source).restricted_paths, source)
    restricted = tuple({path for source in readers.values() for path in source.restricted_paths()})
    for pk, path, content_type_id in _live_pages(sorted(pks)):
        if restricted and path.startswith(restricted):
            continue
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for source, ids in wanted.items():
            if str(pk) in ids and model is not None and issubclass(model, source.model):
                found[source.kind].add(str(pk))
    return found


def _live_pages(pks):
    """(id, path, content type id) of the live ones of these pages: the ORM's `Page.objects.filter(pk__in=pks,
    live=True)`, written out (this runs on every search; building the ORM's query cost more than running it)."""
    from wagtail.models import Page

    connection = connections[router.db_for_read(Page)]
    table = connection.ops.quote_name(Page._meta.db_table)
    if connection.vendor == "postgresql":
        ids, params = "= ANY(%s)", [list(pks)]
    else:
        ids, params = f"IN ({', '.join(['%s'] * len(pks))})", list(pks)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "id", "path", "content_type_id" FROM {table} WHERE "live" = %s AND "id" {ids}', [True, *params]
        )
        return cursor.fetchall()


_sources: dict[str, SearchSource] = {}
_subscribed: set[tuple[str, str]] = set()


def register(source):
    """Make `source` searchable and index after its events. Registering a kind again replaces its source."""
    if not source.kind:
        raise ValueError("a search source needs a kind")
    _sources[source.kind] = source
    for name in source.events:
        if (source.kind, name) not in _subscribed:
            _subscribed.add((source.kind, name))
            events.subscribe(name)(_sync_after(source.kind))
    return source


def _sync_after(kind):
    def sync(event):
        from .tasks import sync_entries

        source = _sources.get(kind)
        ids = [str(source_id) for source_id in source.ids_from_event(event)] if source else []
        if ids:
            sync_entries.enqueue(kind, ids)

    sync.__qualname__ = f"sync_{kind}_entries"
    return sync


def unregister(kind):
    """Forget a source (for tests); its event subscriptions stay, and do nothing until it is registered again."""
    _sources.pop(kind, None)


def sources():
    return list(_sources.values())


def kinds():
    return sorted(_sources)


def get_source(kind):
    return _sources.get(kind)


def facet_labels(facet, values):
    """{value: label} for the values of `facet`, from every source that can name them; others are left out."""
    labels = {}
    if values:
        for source in sources():
            labels.update(source.facet_labels(facet, set(values) - set(labels)))
    return labels


def text_filter(fields, text):
    """A filter for an app's own list (a petition list's `?q=`) that matches text as search does: the rows one
    of whose `fields` contains `text` once both are normalised (search.normalize), whatever hamza, taa marbuta or
    harakat either was written with."""
    pattern = containing_pattern(text)
    return reduce(or_, (Q(**{f"{field}__iregex": pattern}) for field in fields))


def autodiscover():
    autodiscover_modules("search")
