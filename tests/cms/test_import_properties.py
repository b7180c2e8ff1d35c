"""Properties of the catalogue's exchange format (cms.catalogue_format, docs/import-format.md): whatever a file
holds, reading it never fails — a file that cannot be read is a FormatError, a bad record an error naming it,
its position and its field — and the import command answers any bytes with its own error, never a traceback."""

import copy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.catalogue_format import KINDS, Checked, FormatError, RecordError, check_file
from cms.services import count_records, known_identifiers

pytestmark = pytest.mark.django_db
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "code", "kind", "parent", "email", "phone", "website", "slug", "order", "id", "authority", "life_events",
    "audience", "fee_fils", "processing_days", "minutes_to_complete", "min_assurance", "start_url", "related",
    "status", "ar", "en", "title", "summary", "steps", "documents", "channels", "eligibility", "name", "other",
]  # fmt: skip


@st.composite
def mutated(draw, catalogue):
    """The small catalogue with a few values anywhere replaced by any JSON."""
    data = copy.deepcopy(catalogue)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["file", *KINDS]))
        if where == "file":
            data[draw(st.sampled_from(["format", "version", *KINDS, "extra"]))] = draw(JSON)
            continue
        records = data.get(where)
        if not isinstance(records, list) or not records:
            continue
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        if not isinstance(record, dict) or draw(st.integers(0, 5)) == 0:  # now and then a whole record
            records[index] = draw(JSON)
            continue
        target = record
        if draw(st.booleans()) and isinstance(record.get("ar"), dict):
            target = record[draw(st.sampled_from(["ar", "en"]))]
            if not isinstance(target, dict):
                continue
        target[draw(st.sampled_from(FIELDS))] = draw(JSON)
    return data


@pytest.fixture
def known():
    return known_identifiers()


def checked_or_refused(data, known):
    try:
        checked = check_file(data, known=known)
    except FormatError as error:
        assert str(error)
        return None
    assert isinstance(checked, Checked)
    return checked


@SETTINGS
@given(data=st.data())
def test_any_change_to_a_good_file_is_a_record_error_or_a_format_error(small_catalogue, known, data):
    catalogue = data.draw(mutated(small_catalogue))
    assert count_records(catalogue) >= 0
    checked = checked_or_refused(catalogue, known)
    if checked is not None:
        for error in checked.errors:
            assert isinstance(error, RecordError) and error.kind in KINDS and error.field and str(error)


@SETTINGS
@given(catalogue=JSON)
def test_any_json_document_is_read_or_refused(known, catalogue):
    assert count_records(catalogue) >= 0
    checked_or_refused(catalogue, known)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200) | st.just(b'{"format": "portal-services", "version": 1, "services": 5}'))
def test_the_import_command_answers_any_file_with_its_own_error(tmp_path, content):
    path = tmp_path / "catalogue.json"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_services", str(path), no_progress=True, stdout=open("/dev/null", "w"))
