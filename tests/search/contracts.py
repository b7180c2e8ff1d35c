"""Recorded JSON contracts: what the Elasticsearch engine sends must equal what is recorded in contracts/.
After a deliberate change, record them again with UPDATE_SEARCH_CONTRACTS=1 and review the diff."""

import json
import os
from pathlib import Path

CONTRACTS = Path(__file__).parent / "contracts"


def assert_matches_contract(name, actual):
    path = CONTRACTS / f"{name}.json"
    actual = json.loads(json.dumps(actual))
    if os.environ.get("UPDATE_SEARCH_CONTRACTS"):
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no recorded contract {path.name}: run the tests with UPDATE_SEARCH_CONTRACTS=1"
    assert actual == json.loads(path.read_text(encoding="utf-8")), f"differs from contracts/{path.name}"
