"""Labour's dashboards in the portal's one search: found by the words a reader sees on them (title, introduction,
the charts' titles and indicators) in their own language, and gone once unpublished."""

import io

import pytest
from django.core.management import call_command

from labour.models import LabourDashboardPage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_site")]


@pytest.fixture
def dashboards():
    call_command("load_labour_demo", stdout=io.StringIO())
    factories.search_index()
    return {page.locale.language_code: page for page in LabourDashboardPage.objects.all()}


def _search(client, q, **filters):
    response = client.get("/api/v1/search/", {"q": q, "kind": "dashboard", **filters})
    assert response.status_code == 200, response.content
    return [(hit["locale"], hit["url"], hit["authority"]) for hit in response.json()["results"]]


def test_a_dashboard_is_found_in_its_own_language_by_its_title_and_introduction(client, dashboards):
    assert _search(client, "سوق العمل", locale="ar") == [("ar", "/ar/labour-market/", "MSAL")]
    assert _search(client, "expatriate labour", locale="en") == [("en", "/en/labour-market/", "MSAL")]


def _republish(page, *blocks):
    page.body = list(blocks)
    page.save_revision().publish()
    factories.search_index()


def test_an_indicator_chosen_on_a_block_is_searchable_in_the_pages_language(client, dashboards):
    _republish(dashboards["en"], ("indicator_table", {"title": "Table", "indicator": "JOBSEEK", "frequency": "Q"}))
    assert _search(client, "job seekers", locale="en") == [("en", "/en/labour-market/", "MSAL")]
    assert _search(client, "الباحثون عن عمل", locale="ar") == []
    assert _search(client, "Workers by sector", locale="en") == []  # the blocks replaced are forgotten


def test_a_chart_comparing_measures_is_found_by_the_measures_it_shows_not_by_its_indicator(client, dashboards):
    chart = {"title": "Chart", "indicator": "EMP", "series_by": "measure", "series_codes": "JOBSEEK, EST"}
    _republish(dashboards["en"], ("indicator_chart", {**chart, "kind": "bar", "frequency": "Q"}))
    assert _search(client, "job seekers", locale="en") == [("en", "/en/labour-market/", "MSAL")]
    assert _search(client, "establishments", locale="en") == [("en", "/en/labour-market/", "MSAL")]
    assert _search(client, "employed persons", locale="en") == []


def test_an_unpublished_dashboard_leaves_the_results(client, dashboards, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dashboards["ar"].unpublish()
    assert _search(client, "سوق العمل", locale="ar") == []
    assert _search(client, "Labour market", locale="en") == [("en", "/en/labour-market/", "MSAL")]
