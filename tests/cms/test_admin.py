import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import ServicePage
from tests import factories

pytestmark = pytest.mark.django_db


def _form(section, audience=("citizens", "residents"), **overrides):
    data = {
        "title": "خدمة تجريبية",
        "slug": "test-service",
        "summary": "ملخص قصير.",
        "service_id": "PAM-TEST-001",
        "authority": section.authority_id,
        "eligibility": rich_text("<p>للجميع</p>"),
        "steps": streamfield([("step", {"title": "قدّم الطلب", "body": rich_text("<p>عبر الموقع</p>")})]),
        "documents": streamfield([]),
        "channels": streamfield([]),
        "fee_fils": "1250",
        "min_assurance": "L1",
        "status": "available",
        "related_links": inline_formset([]),
        **overrides,
    }
    form = nested_form_data(data)
    form["audience"] = list(audience)  # nested_form_data would flatten a list into audience-0, audience-1
    return form


def _pam_section():
    return factories.section("PAM")


def test_an_editor_creates_a_draft_service_in_their_section(client):
    client.force_login(factories.staff("pam.editor"))
    section = _pam_section()
    response = client.post(f"/admin/pages/add/cms/servicepage/{section.pk}/", _form(section))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    page = ServicePage.objects.get(service_id="PAM-TEST-001")
    assert not page.live
    assert page.audience == ["citizens", "residents"]
    assert page.fee_fils == 1250 and page.fee_display == "1.250 د.ك"
    assert page.get_parent().pk == section.pk


def test_a_new_service_starts_with_its_sections_authority(client):
    client.force_login(factories.staff("pam.editor"))
    section = _pam_section()
    response = client.get(f"/admin/pages/add/cms/servicepage/{section.pk}/")
    assert response.context["form"]["authority"].value() == section.authority_id


def test_the_form_refuses_an_unknown_audience_and_a_foreign_authority(client):
    client.force_login(factories.staff("pam.editor"))
    section = _pam_section()
    moci = factories.authority("MOCI")
    response = client.post(
        f"/admin/pages/add/cms/servicepage/{section.pk}/", _form(section, audience=["martians"], authority=moci.pk)
    )
    assert response.status_code == 200
    assert "audience" in response.context["form"].errors
    assert "authority" in response.context["form"].errors
    assert not ServicePage.objects.filter(service_id="PAM-TEST-001").exists()


def test_a_suspended_service_needs_its_downtime_message(client):
    client.force_login(factories.staff("admin"))
    section = _pam_section()
    response = client.post(
        f"/admin/pages/add/cms/servicepage/{section.pk}/", _form(section, status="suspended", **{"action-publish": "1"})
    )
    assert response.status_code == 200
    assert "downtime_message" in response.context["form"].errors
    assert not ServicePage.objects.filter(service_id="PAM-TEST-001").exists()


def test_authorities_are_listed_in_the_admin(client):
    factories.authority("PAM")
    client.force_login(factories.staff("admin"))
    response = client.get("/admin/snippets/cms/authority/")
    assert response.status_code == 200
    assert "الهيئة العامة للقوى العاملة" in response.content.decode()


def test_service_id_filter_in_the_api(client):
    factories.service("PAM-WP-001", "PAM")
    factories.service("PAM-WP-002", "PAM")  # another service, which the filter leaves out
    response = client.get("/api/v2/pages/", {"type": "cms.ServicePage", "service_id": "PAM-WP-001"})
    items = response.json()["items"]
    assert {item["meta"]["locale"] for item in items} == {"ar", "en"} and len(items) == 2
