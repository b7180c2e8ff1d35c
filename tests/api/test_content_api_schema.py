"""The content API's OpenAPI description (/api/v2/schema/, cms.api_schema) tells the truth: real answers of the
pages, images and documents endpoints — services with every field, a home page, an image, a document, the
refusals — match it, and every field a page type publishes is described."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import get_page_models

from cms.api_schema import PAGE_FIELDS
from cms.models import HomePage, ServicePage
from tests import factories

from .conftest import served_schema
from .test_schema_truth import Journey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """Three services of three authorities (PAM among them), the first with a fee and in "employment"."""
    return factories.services(3)


@pytest.fixture
def content_schema(db):
    return served_schema("/api/v2/schema/")


@pytest.fixture
def content_journey(content_schema, wsgi_app):  # the schema first: see wsgi_app
    return Journey(content_schema, wsgi_app)


def png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 3), "white").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="pixel.png")


def test_every_field_a_page_type_publishes_is_described():
    published = {field.name for model in get_page_models() for field in getattr(model, "api_fields", [])}
    assert published - set(PAGE_FIELDS) == set()


def test_services_images_and_documents_answer_as_the_description_says(content_journey):
    call = content_journey.call
    services = call("get", "/api/v2/pages/", 200, query={"type": "cms.ServicePage", "fields": "*", "limit": 100})
    assert services["items"] and all(item["meta"]["type"] == "cms.ServicePage" for item in services["items"])
    call("get", "/api/v2/pages/", 200, query={"type": "cms.ServicePage", "locale": "en", "authority_code": "PAM"})
    call("get", "/api/v2/pages/", 200, query={"type": "cms.ServicePage", "life_event": "employment"})
    call("get", "/api/v2/pages/", 200, query={"type": "cms.ServicePage", "search": "permit", "locale": "en"})
    call("get", "/api/v2/pages/", 200, query={"type": "cms.HomePage", "fields": "*"})
    call("get", "/api/v2/pages/", 200)
    call("get", "/api/v2/pages/", 400, query={"bogus": "1"})
    service = ServicePage.objects.live().filter(locale__language_code="ar").first()
    detail = call("get", "/api/v2/pages/{id}/", 200, params={"id": service.pk})
    assert detail["service_id"] == service.service_id and detail["fee"]["fils"] == service.fee_fils
    call("get", "/api/v2/pages/{id}/", 200, params={"id": HomePage.objects.first().pk})
    call("get", "/api/v2/pages/{id}/", 404, params={"id": 2**31 - 1})

    image = Image.objects.create(title="صورة", file=png())
    document = Document.objects.create(title="دليل", file=ContentFile(b"%PDF-1.4\n", name="guide.pdf"))
    assert call("get", "/api/v2/images/", 200)["meta"]["total_count"] == 1
    call("get", "/api/v2/images/{id}/", 200, params={"id": image.pk})
    call("get", "/api/v2/documents/", 200, query={"search": "دليل"})
    call("get", "/api/v2/documents/{id}/", 200, params={"id": document.pk})
    call("get", "/api/v2/documents/{id}/", 404, params={"id": 2**31 - 1})
    assert content_journey.operations() - content_journey.called == set()
