"""Wagtail's Elasticsearch backend as the portal configures it (search.wagtail_elasticsearch), by contract: the
documents and the query it would send. No server is needed: nothing here connects."""

import pytest
from wagtail.models import Page

from cms.models import ServicePage
from search.normalize import normalise
from search.wagtail_search import NormalisingMapping, PortalElasticsearchBackend
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """One service."""
    return factories.service()


HAMZA_TITLE = "إلزام أصحاب العمل بتسجيل العمالة"


def backend():
    return PortalElasticsearchBackend({"URLS": ["http://127.0.0.1:1"], "INDEX_PREFIX": "contract-"})


def test_the_searched_text_of_a_document_is_normalised_and_filter_values_are_not():
    page = ServicePage.objects.filter(locale__language_code="ar").first()
    page.title = HAMZA_TITLE
    document = NormalisingMapping(ServicePage).get_document(page)
    searched = [value for key, value in document.items() if key.endswith("title") and isinstance(value, str)]
    assert normalise(HAMZA_TITLE) in searched and HAMZA_TITLE not in searched
    assert "الزام" in " ".join(document["_edgengrams"])
    # Filter fields (what the content API filters and orders by) are the values themselves.
    mapping = NormalisingMapping(ServicePage)
    assert document[mapping.get_field_column_name(_filter_field(ServicePage, "service_id"))] == page.service_id
    assert document[mapping.get_field_column_name(_filter_field(ServicePage, "title"))] == HAMZA_TITLE


def _filter_field(model, name):
    from modelsearch.index import FilterField

    return next(
        field for field in model.get_search_fields() if isinstance(field, FilterField) and field.field_name == name
    )


def test_the_query_sent_is_normalised_and_keeps_twelve_words():
    query = "إلزام " + " ".join(f"word{number}" for number in range(30))
    results = backend().search(query, Page)
    body = str(results.query_compiler.get_query())
    assert "الزام" in body and "إلزام" not in body
    assert "word10" in body and "word11" not in body  # the first 12 distinct words: الزام and word0 … word10
