import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from wagtail.models import Revision

from cms.catalogue_format import FormatError
from cms.models import Authority, LifeEvent, ServicePage
from cms.selectors import export_catalogue
from cms.services import import_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The messages these tests read are the English ones (the commands take --language)."""
    with translation.override("en"):
        yield


def _state():
    pages = ServicePage.objects.order_by("pk")
    return {
        "revisions": Revision.objects.count(),
        "published": list(pages.values_list("pk", "last_published_at", "latest_revision_id")),
        "authorities": list(Authority.objects.order_by("pk").values()),
        "life_events": list(LifeEvent.objects.order_by("pk").values()),
    }


def test_import_creates_both_languages_linked_as_translations(small_catalogue):
    report = import_catalogue(small_catalogue)
    assert report.errors == []
    assert report.counts["created"] == 8
    ar = ServicePage.objects.get(service_id="TPAM-WP-001", locale__language_code="ar")
    en = ar.get_translation(ServicePage.objects.get(service_id="TPAM-WP-001", locale__language_code="en").locale)
    assert ar.live and en.live
    assert ar.translation_key == en.translation_key
    assert en.title == "Apply for a new work permit"
    assert ar.authority.locale == ar.locale and en.authority.locale == en.locale
    assert ar.authority.code == en.authority.code == "TPAM"
    assert en.authority.parent.code == "TMSAL" and en.authority.parent.locale == en.locale
    assert [event.slug for event in en.life_events.all()] == ["test-employment"]
    assert [link.service.service_id for link in ar.related_links.all()] == ["TPAM-WP-002"]
    assert ar.related_links.first().service.locale == ar.locale


def test_importing_the_same_file_twice_changes_nothing(small_catalogue):
    import_catalogue(small_catalogue)
    before = _state()
    report = import_catalogue(small_catalogue)
    assert report.errors == []
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 8}
    assert _state() == before


def test_changing_one_text_publishes_only_that_language(small_catalogue):
    import_catalogue(small_catalogue)
    ar = ServicePage.objects.get(service_id="TPAM-WP-001", locale__language_code="ar")
    en = ServicePage.objects.get(service_id="TPAM-WP-001", locale__language_code="en")
    changed = copy.deepcopy(small_catalogue)
    changed["services"][0]["en"]["summary"] = "A changed summary."
    report = import_catalogue(changed)
    assert report.counts["updated"] == 1
    assert ServicePage.objects.get(pk=en.pk).summary == "A changed summary."
    assert ServicePage.objects.get(pk=ar.pk).latest_revision_id == ar.latest_revision_id
    assert ServicePage.objects.get(pk=en.pk).latest_revision_id != en.latest_revision_id


def test_a_bad_record_is_reported_by_position_and_field_and_the_others_import(small_catalogue):
    bad = copy.deepcopy(small_catalogue)
    del bad["services"][1]["en"]["title"]
    bad["services"][2]["fee_fils"] = -5
    report = import_catalogue(bad)
    messages = [str(error) for error in report.errors]
    assert "services[1] (TPAM-WP-002): en.title: This field is required." in messages
    assert any(message.startswith("services[2] (TMOCI-BL-001): fee_fils:") for message in messages)
    assert not ServicePage.objects.filter(service_id__in=["TPAM-WP-002", "TMOCI-BL-001"]).exists()
    # the first service imported, but its link to the rejected one was rejected with it
    assert not ServicePage.objects.filter(service_id="TPAM-WP-001").exists()
    assert any("services[0] (TPAM-WP-001): related: unknown service id 'TPAM-WP-002'" == m for m in messages)
    assert Authority.objects.filter(code="TMOCI").count() == 2


def test_a_record_pointing_at_an_unknown_authority_is_rejected(small_catalogue):
    bad = copy.deepcopy(small_catalogue)
    bad["services"][2]["authority"] = "NOPE"
    report = import_catalogue(bad)
    assert [str(e) for e in report.errors] == ["services[2] (TMOCI-BL-001): authority: unknown authority code 'NOPE'"]
    assert ServicePage.objects.filter(service_id="TPAM-WP-001").count() == 2


def test_duplicate_identifiers_in_one_file_are_rejected(small_catalogue):
    bad = copy.deepcopy(small_catalogue)
    bad["services"].append(copy.deepcopy(bad["services"][2]))
    report = import_catalogue(bad)
    assert "services[3] (TMOCI-BL-001): id: also used by services[2]" in [str(e) for e in report.errors]


def test_suspended_service_needs_a_downtime_message(small_catalogue):
    bad = copy.deepcopy(small_catalogue)
    bad["services"][1]["ar"]["downtime_message"] = ""
    report = import_catalogue(bad)
    assert "services[1] (TPAM-WP-002): ar.downtime_message: is required while the service is suspended" in [
        str(e) for e in report.errors
    ]


def test_html_is_sanitised_before_it_is_stored(small_catalogue):
    import_catalogue(small_catalogue)
    ar = ServicePage.objects.get(service_id="TPAM-WP-001", locale__language_code="ar")
    assert "<script" not in ar.eligibility and "alert" not in ar.eligibility
    assert ar.eligibility.startswith("<ul><li>")


def test_a_file_of_the_wrong_format_is_refused_whole():
    with pytest.raises(FormatError):
        import_catalogue({"format": "something-else", "version": 1})
    with pytest.raises(FormatError):
        import_catalogue({"format": "portal-services", "version": 1, "pages": []})


def test_export_round_trips_through_import(small_catalogue):
    import_catalogue(small_catalogue)
    exported = export_catalogue()
    before = _state()
    report = import_catalogue(exported)
    assert report.errors == []
    assert report.counts["created"] == report.counts["updated"] == 0
    assert _state() == before


def test_export_writes_the_documented_format(small_catalogue):
    import_catalogue(small_catalogue)
    services = {record["id"]: record for record in export_catalogue()["services"]}
    record = services["TPAM-WP-001"]
    assert record["fee_fils"] == 10000 and record["min_assurance"] == "L2"
    assert record["ar"]["title"] == "إصدار إذن عمل جديد"
    assert record["en"]["documents"] == [
        {"name": "Copy of the passport", "note": "valid for at least 6 months", "optional": False}
    ]
    assert record["related"] == ["TPAM-WP-002"]


def test_command_reports_bad_records_and_exits_non_zero(small_catalogue, tmp_path, capsys):
    bad = copy.deepcopy(small_catalogue)
    bad["services"][2]["audience"] = ["martians"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_services", str(path), no_progress=True, language="en")
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert "services[2] (TMOCI-BL-001): audience: 'martians' is not one of" in out
    assert "7 created" in out


def test_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_services", str(path), no_progress=True, language="en")


def test_the_commands_report_is_in_one_language_format_and_database_messages_alike(small_catalogue, tmp_path, capsys):
    bad = copy.deepcopy(small_catalogue)
    bad["services"][2]["audience"] = ["martians"]  # the format's own check
    del bad["services"][1]["en"]["title"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_services", str(path), no_progress=True, language="ar")
    out = capsys.readouterr().out
    assert "أُنشئ" in out or "أنشئ" in out  # the summary
    assert "ليست من" in out or "ليس من" in out  # 'martians' is not one of …
    assert "هذا الحقل مطلوب" in out
    assert not any(word in out for word in ("created", "is not one of", "This field is required", "skipped"))
    assert "see above" not in str(raised.value)
