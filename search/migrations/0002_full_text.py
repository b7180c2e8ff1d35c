"""The full-text side of the search entries, for the database in use (see search/models.py).

PostgreSQL: a stored generated tsvector over the normalised title (weight A) and content (weight B), in
the `arabic` configuration for Arabic rows and `english` for English rows, kept in the row (storage MAIN),
with one GIN index per language; and the title's words in the `simple` configuration, for suggestions.

SQLite: an external-content FTS5 table over the same two columns, kept in step by triggers. A later
migration that alters portal_search_searchentry on SQLite rebuilds the table, which drops the triggers: it
must create them again (copy SQLITE_TRIGGERS)."""

from django.db import migrations

POSTGRES_CONFIG = (
    "CASE locale WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END"
)
POSTGRES_FORWARD = [
    "ALTER TABLE portal_search_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({POSTGRES_CONFIG}, title_normalised), 'A') || "
    f"setweight(to_tsvector({POSTGRES_CONFIG}, content_normalised), 'B')"
    ") STORED",
    # Keep the tsvector in the row (compressed if need be) and let the long texts go out of line: matching
    # and ranking then read no TOAST; measured 8× faster on 10,000 entries (docs/search.md).
    "ALTER TABLE portal_search_searchentry ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX search_entry_vector_ar ON portal_search_searchentry USING GIN (search_vector) WHERE locale = 'ar'",
    "CREATE INDEX search_entry_vector_en ON portal_search_searchentry USING GIN (search_vector) WHERE locale = 'en'",
    # The title's words as written (normalised, not stemmed): what suggestions match by prefix.
    "ALTER TABLE portal_search_searchentry ADD COLUMN title_words tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', title_normalised)) STORED",
    "CREATE INDEX search_entry_title_words ON portal_search_searchentry USING GIN (title_words)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_words",
    "ALTER TABLE portal_search_searchentry DROP COLUMN IF EXISTS title_words",
    "DROP INDEX IF EXISTS search_entry_vector_ar",
    "DROP INDEX IF EXISTS search_entry_vector_en",
    "ALTER TABLE portal_search_searchentry DROP COLUMN IF EXISTS search_vector",
]

SQLITE_TABLE = [
    "CREATE VIRTUAL TABLE portal_search_fts USING fts5("
    "title_normalised, content_normalised, content='portal_search_searchentry', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
]
SQLITE_TRIGGERS = [
    "CREATE TRIGGER portal_search_fts_insert AFTER INSERT ON portal_search_searchentry BEGIN "
    "INSERT INTO portal_search_fts(rowid, title_normalised, content_normalised) "
    "VALUES (new.id, new.title_normalised, new.content_normalised); END",
    "CREATE TRIGGER portal_search_fts_delete AFTER DELETE ON portal_search_searchentry BEGIN "
    "INSERT INTO portal_search_fts(portal_search_fts, rowid, title_normalised, content_normalised) "
    "VALUES ('delete', old.id, old.title_normalised, old.content_normalised); END",
    "CREATE TRIGGER portal_search_fts_update AFTER UPDATE ON portal_search_searchentry BEGIN "
    "INSERT INTO portal_search_fts(portal_search_fts, rowid, title_normalised, content_normalised) "
    "VALUES ('delete', old.id, old.title_normalised, old.content_normalised); "
    "INSERT INTO portal_search_fts(rowid, title_normalised, content_normalised) "
    "VALUES (new.id, new.title_normalised, new.content_normalised); END",
    # Entries written before the table existed.
    "INSERT INTO portal_search_fts(portal_search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS portal_search_fts_insert",
    "DROP TRIGGER IF EXISTS portal_search_fts_delete",
    "DROP TRIGGER IF EXISTS portal_search_fts_update",
    "DROP TABLE IF EXISTS portal_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_TABLE + SQLITE_TRIGGERS}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
            elidable=False,
        )
    ]
