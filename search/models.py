"""The database engine's index: one row per searchable object and language, whatever its kind, so that
one query covers everything. The full-text part lives beside it, made by migration 0002 for the database in
use: on PostgreSQL a stored tsvector column (`arabic` configuration for Arabic rows, `english` for English,
both over the normalised columns) with one GIN index per language; on SQLite an FTS5 table over the
normalised columns, kept in step by triggers. Only public content is ever written here."""

from django.db import models


class SearchEntry(models.Model):
    kind = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    locale = models.CharField(max_length=8)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    authority = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=40, blank=True)
    date = models.DateTimeField(null=True, blank=True)
    # search.normalize.normalise() of the title, and of summary + body (see `content`).
    title_normalised = models.CharField(max_length=255)
    content_normalised = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"
        constraints = [models.UniqueConstraint(fields=["kind", "source_id"], name="search_entry_one_per_source")]
        indexes = [
            models.Index(fields=["locale", "kind"], name="search_entry_locale_kind"),
            models.Index(fields=["authority"], name="search_entry_authority"),
            models.Index(fields=["date"], name="search_entry_date"),
        ]

    def __str__(self):
        return f"{self.kind} {self.source_id} ({self.locale})"

    @property
    def content(self):
        return compose_content(self.summary, self.body)


class SearchEntryLifeEvent(models.Model):
    """The life events (مناسبات حياتية) an entry is filed under, by slug: a filter and a facet."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="life_events")
    slug = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "slug"], name="search_life_event_once")]
        indexes = [models.Index(fields=["slug"], name="search_life_event_slug")]

    def __str__(self):
        return self.slug


def compose_content(summary, body):
    """The text searched besides the title, and highlighted: the summary, then the body."""
    return f"{summary}\n{body}" if body else summary
