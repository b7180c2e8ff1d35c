"""Every message catalogue the portal ships is compiled from its source.

The `.mo` files are committed (a fresh clone serves Arabic without gettext installed). A merge can keep one
side's `.mo` while the `.po` holds both sides' messages; the server then shows English where the catalogue
has Arabic. This compares what each committed `.mo` says with what its `.po` compiles to.
"""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    path
    for path in ROOT.rglob("django.po")
    if not any(part.startswith((".venv", "data", "node_modules")) for part in path.relative_to(ROOT).parts)
)


def messages(mo_path):
    with open(mo_path, "rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header: its dates differ with every compilation
    return catalog


def test_there_are_catalogues_to_check():
    assert {str(path.relative_to(ROOT)) for path in CATALOGUES} >= {"locale/ar/LC_MESSAGES/django.po"}


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed (apt-get install gettext)"
)
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_compiled_catalogue_says_what_its_source_says(po, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True, capture_output=True)
    shipped = po.with_suffix(".mo")
    assert shipped.exists(), f"{shipped} is missing: run `make messages`"
    stale = {key for key in messages(compiled).keys() ^ messages(shipped).keys()} | {
        key
        for key in messages(compiled).keys() & messages(shipped).keys()
        if messages(compiled)[key] != messages(shipped)[key]
    }
    assert not stale, f"{shipped} is out of date with its .po ({len(stale)} messages differ): run `make messages`"


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed (apt-get install gettext)"
)
@pytest.mark.parametrize(
    "po", [path for path in CATALOGUES if path.parent.parent.name == "ar"], ids=lambda path: str(path.relative_to(ROOT))
)
def test_every_message_has_its_arabic(po, tmp_path):
    """A message without Arabic, or with a fuzzy guess (gettext's nearest old message, often wrong), shows the
    Arabic reader English or nonsense."""
    statistics = subprocess.run(
        ["msgfmt", "--statistics", "-o", str(tmp_path / "django.mo"), str(po)],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    assert "fuzzy" not in statistics and "untranslated" not in statistics, (
        f"{po.relative_to(ROOT)}: {statistics.strip()}"
    )
