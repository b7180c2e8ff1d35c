"""ELASTICSEARCH_URL switches both the portal's search and the Wagtail admin's, in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
from search.engines import get_engine
backend = settings.WAGTAILSEARCH_BACKENDS["default"]
print(json.dumps({"wagtail": backend["BACKEND"], "urls": backend.get("URLS"), "prefix": backend.get("INDEX_PREFIX"),
                  "engine": get_engine().name, "alias": getattr(get_engine(), "alias", None)}))
"""


def probe(tmp_path, **environment):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "ELASTICSEARCH_URL")}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.dev", PORTAL_DATA_DIR=str(tmp_path), **environment)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_elasticsearch_both_searches_use_the_database(tmp_path):
    facts = probe(tmp_path)
    assert facts["wagtail"] == "search.wagtail_search"
    assert facts["engine"] == "database"


def test_elasticsearch_url_switches_both_searches(tmp_path):
    facts = probe(tmp_path, ELASTICSEARCH_URL="http://es.internal:9200", SEARCH_INDEX_PREFIX="gov")
    assert facts["wagtail"] == "search.wagtail_elasticsearch"
    assert facts["urls"] == ["http://es.internal:9200"] and facts["prefix"] == "gov-wagtail-"
    assert facts["engine"] == "elasticsearch" and facts["alias"] == "gov-search"
