"""ServicePage's texts are declared once (cms.catalogue_format.SERVICE_TEXTS): every field of the model is in the
exchange format, and every translated text has its panel, its API field and, if long, its place in search."""

import pytest
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from cms import catalogue_format as fmt
from cms.models import ServicePage
from cms.search import BODY_TEXTS

# The language-neutral model fields, which catalogue_format.service_neutral writes under these keys.
NEUTRAL = {
    "service_id": "id",
    "slug": "slug",
    "authority": "authority",
    "life_events": "life_events",
    "audience": "audience",
    "fee_fils": "fee_fils",
    "processing_days": "processing_days",
    "minutes_to_complete": "minutes_to_complete",
    "min_assurance": "min_assurance",
    "status": "status",
    "start_url": "start_url",
}
# API fields named otherwise than their model field; the title is every page's own.
API_NAMES = {"start_button_text": "start_button_label", "title": None}


def own_fields():
    inherited = {field.name for field in Page._meta.get_fields()}
    return {
        field.name
        for field in ServicePage._meta.get_fields()
        if field.name not in inherited and field.name != "page_ptr" and (field.concrete or field.many_to_many)
    }


def panel_fields(panels):
    for panel in panels:
        if isinstance(panel, str):  # Wagtail takes a field's name for a plain panel
            yield panel
        elif hasattr(panel, "construct"):  # Page's own panels are placeholders until the admin builds them
            yield from panel_fields([panel.construct()])
        elif isinstance(panel, FieldPanel):
            yield panel.field_name
        yield from panel_fields(getattr(panel, "children", ()))


@pytest.mark.django_db  # a new page asks for its content type, which the cache holds only if a test asked before
def test_every_field_of_a_service_is_in_the_exchange_format():
    texts = {field.name for field in fmt.SERVICE_TEXTS}
    assert own_fields() - texts - set(NEUTRAL) == set()
    assert texts - own_fields() == {"title"}  # the page's own title, a text of each language
    assert set(fmt.service_texts(ServicePage())) == texts


def test_every_translated_text_has_a_panel_and_an_api_field():
    panels = set(panel_fields(ServicePage.content_panels))
    api = {field.name for field in ServicePage.api_fields}
    for field in fmt.SERVICE_TEXTS:
        assert field.name in panels, field.name
        name = API_NAMES.get(field.name, field.name)
        assert name is None or name in api, field.name


def test_search_reads_every_long_text():
    assert set(BODY_TEXTS) == {field.name for field in fmt.SERVICE_TEXTS if field.searched}
    assert {"eligibility", "steps", "legal_basis", "downtime_message"} <= set(BODY_TEXTS)
