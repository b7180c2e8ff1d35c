"""Indexing follows the catalogue: publish, unpublish, make private and delete reach the index through
core.events once the change commits (tasks run inline here); drafts and private pages are never indexed."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from wagtail.models import PageViewRestriction

from cms.models import ServicePage
from core import events
from search import registry
from search.models import SearchEntry
from search.registry import SearchRecord, SearchSource
from search.tasks import sync_entries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_catalogue")]


def service(service_id, language="ar"):
    return ServicePage.objects.get(service_id=service_id, locale__language_code=language)


def found(search, q, **params):
    response = search(q=q, page_size=50, **params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def indexed(page):
    return SearchEntry.objects.filter(kind="service", source_id=str(page.pk)).exists()


def new_service(next_to, title, service_id, *, publish=True):
    section = next_to.get_parent()
    page = ServicePage(
        title=title,
        slug=service_id.lower(),
        service_id=service_id,
        summary="تابع معاملاتك الإلكترونية من مكان واحد.",
        audience=["citizens"],
        authority=next_to.authority,
    )
    section.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


def test_an_unpublished_service_is_gone_from_results_as_soon_as_the_change_commits(
    search, django_capture_on_commit_callbacks
):
    page = service("CAIT-ACC-001")
    assert str(page.pk) in found(search, "الكترونيه")
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
        assert indexed(page)  # not before the change commits
    assert not indexed(page)
    assert str(page.pk) not in found(search, "الكترونيه")


def test_a_service_made_private_is_gone_with_its_section(search, django_capture_on_commit_callbacks):
    page = service("PACI-CID-002")
    section = page.get_parent()
    in_section = {str(pk) for pk in ServicePage.objects.child_of(section).values_list("pk", flat=True)}
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    assert not SearchEntry.objects.filter(kind="service", source_id__in=in_section).exists()
    assert not found(search, "البطاقه المدنيه") & in_section


def test_a_deleted_service_is_gone(search, django_capture_on_commit_callbacks):
    page = service("PAM-EN-001")
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert not SearchEntry.objects.filter(kind="service", source_id=str(page.pk)).exists()
    assert str(page.pk) not in found(search, "معامله")


def test_a_published_service_is_found_once_the_change_commits(search, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = new_service(service("CAIT-ACC-001"), "متابعة المعاملة الإلكترونية", "CAIT-TRK-001")
    assert str(page.pk) in found(search, "معامله الكترونيه")
    entry = SearchEntry.objects.get(kind="service", source_id=str(page.pk))
    assert (entry.locale, entry.authority, entry.url) == ("ar", "CAIT", page.get_url())


def test_drafts_are_never_indexed(search, django_capture_on_commit_callbacks):
    live = service("CAIT-ACC-001")
    with django_capture_on_commit_callbacks(execute=True):
        draft = new_service(live, "مسودة خدمة القنفذ", "CAIT-DRF-001", publish=False)
        live.title = "عنوان القنفذ في مسودة"
        live.save_revision()  # a draft of a live page: the published version stays indexed
    assert not indexed(draft)
    assert found(search, "القنفذ") == set()
    assert SearchEntry.objects.get(source_id=str(live.pk)).title == "إنشاء حساب في بوابة الحكومة الإلكترونية"


def test_a_change_that_is_rolled_back_leaves_the_index_alone(django_capture_on_commit_callbacks):
    page = service("CAIT-ACC-001")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            page.unpublish()
            raise RuntimeError("the change fails")
    assert indexed(page)


def test_results_leave_out_what_is_no_longer_public_while_the_index_catches_up(
    search, django_capture_on_commit_callbacks
):
    """With a worker, indexing lags a little behind the commit; the page of results is checked anyway."""
    page = service("CAIT-ACC-001")
    with django_capture_on_commit_callbacks(execute=False):  # the indexing task has not run yet
        page.unpublish()
    assert indexed(page)
    assert str(page.pk) not in found(search, "الكترونيه")


def test_results_leave_out_a_page_made_private_while_the_index_catches_up(search, django_capture_on_commit_callbacks):
    """The view restrictions the check reads are kept in a cache (cms.cache.view_restricted_paths): a restriction
    saved is honoured by the very next search, before the index has caught up."""
    page = service("PACI-CID-002")
    assert str(page.pk) in found(search, "البطاقه المدنيه")  # the restrictions are read, and kept
    with django_capture_on_commit_callbacks(execute=False):  # the indexing task has not run yet
        PageViewRestriction.objects.create(page=page.get_parent(), restriction_type=PageViewRestriction.LOGIN)
    assert indexed(page)
    assert str(page.pk) not in found(search, "البطاقه المدنيه", locale="ar")


def test_the_indexing_task_indexes_what_is_public_and_removes_the_rest():
    public, gone = service("PAM-WP-001"), service("PAM-WP-002")
    ServicePage.objects.filter(pk=gone.pk).update(live=False)
    SearchEntry.objects.filter(source_id=str(public.pk)).delete()
    result = sync_entries.enqueue("service", [str(public.pk), str(gone.pk)])
    assert result.return_value == {"indexed": 1, "removed": 1}
    assert indexed(public) and not indexed(gone)


def test_search_reindex_rebuilds_everything_from_the_sources():
    SearchEntry.objects.create(kind="service", source_id="999999", locale="ar", title="يتيم", url="/x/")
    SearchEntry.objects.filter(source_id=str(service("MOH-MR-001").pk)).delete()
    out = io.StringIO()
    call_command("search_reindex", no_progress=True, stdout=out)
    public = ServicePage.objects.live().public()
    assert f"Indexed {public.count()} records" in out.getvalue()
    assert set(SearchEntry.objects.values_list("source_id", flat=True)) == {
        str(pk) for pk in public.values_list("pk", flat=True)
    }


class NoticeSearch(SearchSource):
    """A source as a later app would add it in its own search.py (here without a model)."""

    kind = "notice"
    label = "Notices"
    events = ("notice.published",)
    notices = {"n1": "إعلان عن تحديث نظام المعاملات"}

    def ids_from_event(self, event):
        return [event.payload["notice_id"]]

    def records(self, ids=None):
        for notice_id, title in self.notices.items():
            if ids is None or notice_id in ids:
                yield SearchRecord(
                    kind=self.kind, source_id=notice_id, locale="ar", title=title, url=f"/ar/{notice_id}/"
                )

    def public_ids(self, ids):
        return set(ids) & set(self.notices)


@pytest.fixture
def notices():
    source = registry.register(NoticeSearch())
    yield source
    registry.unregister("notice")


def test_an_app_makes_its_content_searchable_by_registering_a_source(
    notices, search, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("notice.published", notice_id="n1")
    data = search(q="المعاملات", locale="ar", page_size=50).json()
    assert {"value": "notice", "count": 1} in data["facets"]["kind"]
    assert "n1" in {item["id"] for item in data["results"] if item["kind"] == "notice"}
    assert search(q="المعاملات", kind="notice").json()["count"] == 1
