"""The database engine: PostgreSQL full-text search, or SQLite FTS5 on the embedded default, over the
`SearchEntry` table (see search/models.py and migration 0002 for the full-text side).

Both match every word of the query (any of its `article_variants`), rank, count facets by GROUP BY on the
filtered set, and mark matches in the normalised text, which search.highlight carries back to the original.
Words reach the database only as bound parameters — through plainto_tsquery on PostgreSQL, as quoted FTS5
strings on SQLite — so no query syntax a citizen types can break a search."""

import difflib
import time
from collections import defaultdict
from itertools import islice

from django.db import connections, transaction
from django.db.models import BooleanField, Case, Exists, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from ..highlight import START, STOP, highlight_original
from ..models import SearchEntry, SearchEntryLifeEvent, compose_content
from ..normalize import WORD, article_variants, is_arabic, normalise, title_key, words
from ..query import MAX_QUERY_LENGTH, SearchHit, SearchResults, Suggestion, facet_values
from .base import SearchEngine

TABLE = SearchEntry._meta.db_table
# Text-search configuration per language, as in migration 0002's generated column.
POSTGRES_CONFIGS = {"ar": "arabic", "en": "english"}
SQLITE_FTS_TABLE = "portal_search_fts"
BATCH_SIZE = 500
# Best first, then newest (undated last); the id keeps pages stable.
RESULT_ORDER = "rank DESC, date DESC NULLS LAST, id"
HIT_FIELDS = ("kind", "source_id", "locale", "title", "summary", "body", "url", "authority", "date")


class DatabaseEngine(SearchEngine):
    name = "database"

    def __init__(self, using="default"):
        self.using = using

    @property
    def vendor(self):
        return connections[self.using].vendor

    def _entries(self):
        return SearchEntry.objects.using(self.using)

    # --- Writing --------------------------------------------------------------------------------------

    def index(self, records):
        records = _latest_per_source(records)
        if not records:
            return 0
        with transaction.atomic(using=self.using):
            by_kind = defaultdict(list)
            for record in records:
                by_kind[record.kind].append(record.source_id)
            for kind, source_ids in by_kind.items():
                self._entries().filter(kind=kind, source_id__in=source_ids).delete()
            self._insert(records)
        return len(records)

    def remove(self, kind, source_ids):
        source_ids = [str(source_id) for source_id in source_ids]
        if not source_ids:
            return 0
        _total, deleted = self._entries().filter(kind=kind, source_id__in=source_ids).delete()
        return deleted.get(SearchEntry._meta.label, 0)

    def rebuild(self, records, kinds=None):
        written = 0
        with transaction.atomic(using=self.using):
            entries = self._entries() if kinds is None else self._entries().filter(kind__in=list(kinds))
            entries.delete()
            records = iter(records)
            while batch := _latest_per_source(islice(records, BATCH_SIZE)):
                self._insert(batch)
                written += len(batch)
        # The spelling vocabulary this process remembers was read from the entries just replaced.
        for key in [key for key in _VOCABULARY if key[0] == self.using]:
            _VOCABULARY.pop(key, None)
        return written

    def _insert(self, records):
        entries = [entry_from_record(record) for record in records]
        self._entries().bulk_create(entries, batch_size=BATCH_SIZE)
        SearchEntryLifeEvent.objects.using(self.using).bulk_create(
            [
                SearchEntryLifeEvent(entry=entry, slug=slug)
                for entry, record in zip(entries, records, strict=True)
                for slug in dict.fromkeys(record.life_events)
            ],
            batch_size=BATCH_SIZE,
        )

    # --- Reading --------------------------------------------------------------------------------------

    def search(self, query):
        results = SearchResults(page=query.page, page_size=query.page_size)
        entries = self._filtered(query)
        matcher = None
        if query.has_text:
            matcher = self._matcher(query)
            if matcher is None:
                return results
            entries = matcher.filter(entries)
        if matcher and not query.by_date:
            entries = matcher.ranked(entries)
        else:
            entries = entries.annotate(rank=Value(0.0, output_field=FloatField()))

        facets, page = self._facets_and_page(entries, query, matcher)
        date = self._read_date
        results.count = sum(facets["locale"].values())
        results.facets = {facet: facet_values(counts) for facet, counts in facets.items()}
        results.hits = [
            SearchHit(
                kind=kind,
                id=source_id,
                locale=locale,
                title=title,
                url=url,
                summary=summary,
                highlight=highlight_original(compose_content(summary, body), marked) if marked else "",
                authority=authority,
                date=date(written),
            )
            for kind, source_id, locale, title, summary, body, url, authority, written, marked in page
        ]
        return results

    def _facets_and_page(self, entries, query, matcher=None):
        """The facet counts and the entries of the requested page (HIT_FIELDS, then the content as the
        matcher marks it, or None), in one statement: the matching entries are found (and ranked) once, into a
        materialised CTE, counted and ordered from there, and the page's rows read and marked with them."""
        matches_sql, params = entries.values(
            "id", "kind", "authority", "locale", "date", "rank"
        ).query.sql_with_params()
        ctes, cte_params = [f"matches AS MATERIALIZED ({matches_sql})"], list(params)
        if matcher is not None and (terms := matcher.terms()) is not None:
            ctes.insert(0, terms[0])
            cte_params = [*terms[1], *cte_params]
        columns = ", ".join(f'entry."{name}"' for name in HIT_FIELDS)
        marked, marked_params = matcher.marked("entry") if matcher else ("NULL", [])
        pad = ", NULL" * (len(HIT_FIELDS) + 1)
        facets_sql = f"""
            SELECT 'kind', kind, COUNT(*), CAST(NULL AS BIGINT){pad} FROM matches GROUP BY kind
            UNION ALL SELECT 'authority', authority, COUNT(*), NULL{pad} FROM matches WHERE authority <> ''
                GROUP BY authority
            UNION ALL SELECT 'locale', locale, COUNT(*), NULL{pad} FROM matches GROUP BY locale
            UNION ALL SELECT 'life_event', tagged.slug, COUNT(*), NULL{pad}
                FROM matches JOIN {SearchEntryLifeEvent._meta.db_table} tagged ON tagged.entry_id = matches.id
                GROUP BY tagged.slug"""
        if query.beyond_window:
            body, body_params = facets_sql, []
        else:
            # The page first: its columns give the types of the NULLs below them.
            body = f"""
                SELECT 'page', NULL, page.position, entry."id", {columns}, {marked} FROM (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY {RESULT_ORDER}) AS position
                    FROM matches ORDER BY {RESULT_ORDER} LIMIT %s OFFSET %s
                ) page JOIN "{TABLE}" entry ON entry."id" = page.id
                UNION ALL {facets_sql}"""
            body_params = [*marked_params, query.page_size, query.offset]
        facets = {facet: {} for facet in ("kind", "authority", "life_event", "locale")}
        page = []
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"WITH {', '.join(ctes)} {body}", [*cte_params, *body_params])
            for section, value, number, _entry_id, *hit in cursor.fetchall():
                if section == "page":
                    page.append((number, hit))
                else:
                    facets[section][value] = number
        return facets, [hit for _position, hit in sorted(page, key=lambda item: item[0])]

    def _read_date(self, value):
        """A date as the ORM would give it from a raw row: SQLite gives text, converted by its backend."""
        connection = connections[self.using]
        convert = getattr(connection.ops, "convert_datetimefield_value", None)
        return convert(value, None, connection) if convert and value is not None else value

    def _filtered(self, query):
        entries = self._entries()
        if query.kinds:
            entries = entries.filter(kind__in=query.kinds)
        if query.authorities:
            entries = entries.filter(authority__in=query.authorities)
        if query.locale:
            entries = entries.filter(locale=query.locale)
        if query.statuses:
            entries = entries.filter(status__in=query.statuses)
        if query.life_events:
            entries = entries.filter(
                Exists(SearchEntryLifeEvent.objects.filter(entry=OuterRef("pk"), slug__in=query.life_events))
            )
        if query.date_from:
            entries = entries.filter(date__gte=query.date_from)
        if query.date_to:
            entries = entries.filter(date__lte=query.date_to)
        return entries

    def _matcher(self, query):
        if not query.words:
            return None
        if self.vendor == "postgresql":
            return PostgresMatcher.prepare(query, self.using)
        if self.vendor == "sqlite":
            return SqliteMatcher.prepare(query, self.using)
        raise NotImplementedError(f"the database search engine supports PostgreSQL and SQLite, not {self.vendor}")

    def correction(self, query):
        """Each Latin word of the query that no title or summary of its language has, replaced by the closest
        one that does (difflib's ratio ≥ SPELLING_CUTOFF): "comercial licence" → "commercial licence",
        "residense" → "residence". Arabic words are left as typed."""
        locales = [query.locale] if query.locale else None
        vocabulary = self._vocabulary(tuple(locales or ()))
        fixed, changed = [], False
        for forms in query.word_variants:
            word = forms[0]
            if is_arabic(word) or word.isdigit() or any(form in vocabulary for form in forms):
                fixed.append(word)
                continue
            close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=SPELLING_CUTOFF)
            fixed.append(close[0] if close else word)
            changed = changed or bool(close)
        return " ".join(fixed) if changed else None

    def _vocabulary(self, locales):
        """The words of the index's titles and summaries (in these languages), remembered for a while."""
        key = (self.using, locales)
        remembered = _VOCABULARY.get(key)
        if remembered and remembered[0] > time.monotonic():
            return remembered[1]
        entries = self._entries()
        if locales:
            entries = entries.filter(locale__in=locales)
        found = set()
        for title, summary in entries.values_list("title_normalised", "summary").iterator():
            found.update(WORD.findall(title))
            found.update(WORD.findall(normalise(summary)))
        vocabulary = sorted(word for word in found if not is_arabic(word) and not word.isdigit())
        _VOCABULARY[key] = (time.monotonic() + VOCABULARY_SECONDS, vocabulary)
        return vocabulary

    def suggest(self, text, locale=None, limit=10):
        typed = words((text or "")[:MAX_QUERY_LENGTH], limit=5)
        if not typed:
            return []
        entries = self._entries()
        if locale:
            entries = entries.filter(locale=locale)
        if self.vendor == "postgresql":
            # Word prefixes through the GIN index on the title's words; words are letters and digits only,
            # so quoting them makes a safe tsquery.
            prefixes = " & ".join(
                "(" + " | ".join(f"'{variant}':*" for variant in article_variants(word)) + ")" for word in typed
            )
            entries = entries.filter(
                RawSQL("\"title_words\" @@ to_tsquery('simple', %s)", [prefixes], output_field=BooleanField())
            )
        else:
            for word in typed:
                starts = Q()
                for variant in article_variants(word):
                    starts |= Q(title_normalised__startswith=variant) | Q(title_normalised__contains=" " + variant)
                entries = entries.filter(starts)
        first = Q()
        for variant in article_variants(typed[0]):
            first |= Q(title_normalised__startswith=variant)
        entries = entries.annotate(
            title_starts=Case(When(first, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("title_starts", Length("title_normalised"), "title_normalised", "id")
        return [
            Suggestion(kind=kind, id=source_id, title=title, url=url)
            for kind, source_id, title, url in entries.values_list("kind", "source_id", "title", "url")[:limit]
        ]


def entry_from_record(record):
    """The SearchEntry of a cleaned record."""
    return SearchEntry(
        kind=record.kind,
        source_id=record.source_id,
        locale=record.locale,
        title=record.title,
        summary=record.summary,
        body=record.body,
        url=record.url,
        authority=record.authority,
        status=record.status,
        date=record.date,
        title_normalised=title_key(record.title)[:255],
        content_normalised=normalise(compose_content(record.summary, record.body)),
    )


def _latest_per_source(records):
    """The records cleaned, the last one for each (kind, source_id) only."""
    cleaned = (record.cleaned() for record in records)
    return list({(record.kind, record.source_id): record for record in cleaned}.values())


# --- PostgreSQL ---------------------------------------------------------------------------------------


# "Did you mean": how close a known word must be to replace a misspelt one (difflib's ratio), and how long the
# vocabulary of titles and summaries is remembered by a process.
SPELLING_CUTOFF = 0.8
VOCABULARY_SECONDS = 300
_VOCABULARY = {}

# Ranking: each word of the query found in an entry's title counts for more than any difference in the engine's
# own score (ts_rank is below 1; bm25 on these texts below 100), so that the service whose title has every word
# comes first, and the engine's score orders the rest.
TITLE_WORD_BONUS = 100

# A lexeme of a tsquery's text ('word', quotes doubled inside) as plainto_tsquery writes it, and the same lexeme
# restricted to the title's weight: 'word' → 'word':A (applied by PostgreSQL's regexp_replace).
LEXEME = r"'((?:[^']|'')*)'"
TITLE_LEXEME = r"'\1':A"


def _constant(text):
    """An SQL string literal of one of this module's constants (never of what a citizen types; without %)."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresMatcher:
    """Matches with the tsvector column: each word (any of its variants) must be in the row, in the row's
    language's configuration; ranked by ts_rank (title weight A, summary and body B). ts_rank_cd (cover
    density) cost three times as much on 10,000 entries and changes little on texts this short.

    The query's tsqueries (for each language, the whole query, and each word restricted to the title) are
    computed by PostgreSQL once per search, in a materialised CTE (`terms`) of the search's one statement, and
    read from it by uncorrelated subqueries (each evaluated once): no round trip of their own."""

    # Only the query's words are parameters: the languages, configurations and patterns are this module's constants,
    # written in the SQL (a statement of at most 50 parameters and 4 kB is parsed once by psycopg, then cached).
    def __init__(self, word_variants, locales, using):
        self.word_variants = word_variants
        self.locales = locales
        self.using = using

    @classmethod
    def prepare(cls, query, using):
        """None when the query's language has no configuration; a query of stop words alone matches nothing."""
        locales = [query.locale] if query.locale else list(POSTGRES_CONFIGS)
        locales = [locale for locale in locales if locale in POSTGRES_CONFIGS]
        return cls(query.word_variants, locales, using) if locales and query.word_variants else None

    def terms(self):
        """The `terms` CTE and its parameters: one row, a column per language (the whole query: every word, any
        of its variants) and per language and word (that word in the title: weight A)."""
        words_sql, words_params, outer = [], [], []
        for locale in self.locales:
            for position, variants in enumerate(self.word_variants):
                words_sql.append(
                    "("
                    + " || ".join([f"plainto_tsquery('{POSTGRES_CONFIGS[locale]}'::regconfig, %s)"] * len(variants))
                    + f') AS "{locale}_{position}"'
                )
                words_params += variants
            each = [f'"{locale}_{position}"' for position in range(len(self.word_variants))]
            outer.append(f'({" && ".join(each)}) AS "{locale}"')
            outer += [
                f"regexp_replace({word}::text, {_constant(LEXEME)}, {_constant(TITLE_LEXEME)}, 'g')::tsquery "
                f'AS "{locale}_title_{position}"'
                for position, word in enumerate(each)
            ]
        sql = f"terms AS MATERIALIZED (SELECT {', '.join(outer)} FROM (SELECT {', '.join(words_sql)}) words)"
        return sql, words_params

    @staticmethod
    def _term(name):
        return f'(SELECT "{name}" FROM terms)'

    # Columns stay unqualified but in `marked`: the filtered entries are also used as a subquery, under an alias.
    def _tsquery_of_row(self, column='"locale"'):
        whens = [f"WHEN {column} = '{locale}' THEN {self._term(locale)}" for locale in self.locales]
        return f"CASE {' '.join(whens)} END", []

    def filter(self, entries):
        arms = [f'("locale" = \'{locale}\' AND "search_vector" @@ {self._term(locale)})' for locale in self.locales]
        return entries.filter(RawSQL(" OR ".join(arms), [], output_field=BooleanField()))

    def ranked(self, entries):
        """ts_rank, after the number of the query's words found in the title (TITLE_WORD_BONUS each)."""
        tsquery, params = self._tsquery_of_row()
        bonus = []
        for locale in self.locales:
            for position in range(len(self.word_variants)):
                term = self._term(f"{locale}_title_{position}")
                bonus.append(f'CASE WHEN "locale" = \'{locale}\' AND "search_vector" @@ {term} THEN 1 ELSE 0 END')
        in_title = " + ".join(bonus) or "0"
        return entries.annotate(
            rank=RawSQL(
                f'({TITLE_WORD_BONUS} * ({in_title}) + ts_rank("search_vector", {tsquery}))',
                params,
                output_field=FloatField(),
            )
        )

    def marked(self, alias):
        """The SQL of the content of the row `alias` with every match between START and STOP (ts_headline)."""
        tsquery, params = self._tsquery_of_row(f'{alias}."locale"')
        configs = " ".join(f"WHEN '{locale}' THEN '{config}'::regconfig" for locale, config in POSTGRES_CONFIGS.items())
        sql = (
            f"ts_headline(CASE {alias}.\"locale\" {configs} ELSE 'simple'::regconfig END, "
            f'{alias}."content_normalised", {tsquery}, %s)'
        )
        return sql, [*params, f"HighlightAll=true, StartSel={START}, StopSel={STOP}"]


# --- SQLite -------------------------------------------------------------------------------------------

# SQLite has no Arabic stemmer: an Arabic word matches as the start of a word, after its common suffixes
# are taken off, with or without the common one-letter prefixes (and, by, for, so, as).
ARABIC_PREFIXES = ("", "و", "ب", "ل", "ف", "ك", "لل")
ARABIC_SUFFIXES = ("ات", "ون", "ين", "ان", "يه", "ها", "ه", "ي")
MIN_STEM_LENGTH = 3


def light_stem(word):
    for suffix in ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_LENGTH:
            return word[: -len(suffix)]
    return word


def _fts_string(text):
    return '"' + text.replace('"', '""') + '"'


def fts5_expression(word_variants):
    """An FTS5 MATCH expression in which every word (any of its variants) must occur. Latin words match
    whole (the porter tokenizer stems them on both sides); Arabic words as light-stemmed prefixes."""
    return " AND ".join(fts5_clauses(word_variants))


def fts5_clauses(word_variants):
    """One FTS5 expression per word: any of its variants (see fts5_expression)."""
    clauses = []
    for variants in word_variants:
        if not is_arabic(variants[0]):
            terms = [_fts_string(variant) for variant in variants]
            clauses.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
            continue
        stems = dict.fromkeys(light_stem(variant) for variant in variants)
        terms = dict.fromkeys(_fts_string(prefix + stem) + "*" for stem in stems for prefix in ARABIC_PREFIXES)
        clauses.append("(" + " OR ".join(terms) + ")")
    return clauses


class SqliteMatcher:
    """Matches with the FTS5 table (porter + unicode61 with diacritics removed, over the normalised
    columns); ranked by bm25 with the title weighing four times the rest."""

    def __init__(self, expression, using, clauses=()):
        self.expression = expression
        self.using = using
        self.clauses = list(clauses)

    @classmethod
    def prepare(cls, query, using):
        clauses = fts5_clauses(query.word_variants)
        return cls(" AND ".join(clauses), using, clauses) if clauses else None

    def filter(self, entries):
        return entries.filter(
            id__in=RawSQL(f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s", [self.expression])
        )

    def ranked(self, entries):
        """bm25, after the number of the query's words found in the title (TITLE_WORD_BONUS each)."""
        in_title = " + ".join(
            f'(SELECT COUNT(*) FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s AND rowid = "{TABLE}"."id")'
            for _clause in self.clauses
        )
        params = [f"title_normalised : ({clause})" for clause in self.clauses]
        return entries.annotate(
            rank=RawSQL(
                f"({TITLE_WORD_BONUS} * ({in_title}) + (SELECT -bm25({SQLITE_FTS_TABLE}, 4.0, 1.0) FROM "
                f'{SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s AND rowid = "{TABLE}"."id"))',
                [*params, self.expression],
                output_field=FloatField(),
            )
        )

    def terms(self):
        return None

    def marked(self, alias):
        """The SQL of the content of the row `alias` with every match between START and STOP (FTS5's highlight)."""
        return (
            f"(SELECT highlight({SQLITE_FTS_TABLE}, 1, %s, %s) FROM {SQLITE_FTS_TABLE} "
            f'WHERE {SQLITE_FTS_TABLE} MATCH %s AND rowid = {alias}."id")',
            [START, STOP, self.expression],
        )
