"""An establishment's standing on a screen: its signatory's pages and the staff's admin view."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from identity.national_id import civil_id_hash
from labour.models import Establishment, EstablishmentSignatory, QuotaBand
from tests import factories

from .helpers import bank, signatory_of

pytestmark = pytest.mark.django_db


def test_the_signatory_sees_the_standing_as_a_table_with_the_band_and_its_meaning(client):
    establishment = bank(60, 40)
    client.force_login(signatory_of(establishment))
    page = client.get("/en/labour/establishments/L-100/").content.decode()
    assert "<caption>Standing of establishment L-100" in page
    assert '<th scope="row">Band</th>' in page
    assert "Yellow" in page and QuotaBand.objects.get(code="yellow").meaning_en in page
    assert "34" in page  # more Kuwaitis needed
    listing = client.get("/en/labour/establishments/").content.decode()
    assert "/en/labour/establishments/L-100/" in listing


def test_the_arabic_page_gives_the_band_and_its_meaning_in_arabic(client):
    establishment = bank(60, 40)
    client.force_login(signatory_of(establishment))
    page = client.get("/ar/labour/establishments/L-100/").content.decode()
    yellow = QuotaBand.objects.get(code="yellow")
    assert yellow.name_ar in page and yellow.meaning_ar in page
    assert "ما يعنيه كل نطاق" in page


def test_someone_elses_establishment_is_refused_with_403(client):
    bank(60, 40)
    client.force_login(signatory_of(Establishment.objects.get(), civil_id="287121201234"))
    EstablishmentSignatory.objects.all().delete()
    response = client.get("/en/labour/establishments/L-100/")
    assert response.status_code == 403
    assert "not an authorised signatory" in response.content.decode()
    assert client.get("/en/labour/establishments/NO-SUCH/").status_code == 404


def test_a_person_without_a_national_id_has_no_establishments(client):
    establishment = bank(60, 40)
    signatory_of(establishment)
    other = get_user_model().objects.create_user("walker", "walker@example.org", "a long pass phrase 2026")
    client.force_login(other)
    assert client.get("/en/labour/establishments/L-100/").status_code == 403
    assert "Sign in with your national ID" in client.get("/en/labour/establishments/").content.decode()


def test_staff_see_the_standing_in_the_admin_and_record_a_signatory_by_civil_id(client):
    establishment = bank(60, 40)
    client.force_login(factories.staff("admin"))
    page = client.get(reverse("wagtailsnippets_labour_establishment:inspect", args=[establishment.pk]))
    page = page.content.decode()  # in the admin's language, the staff member's (Arabic)
    assert "وضع المنشأة L-100" in page and QuotaBand.objects.get(code="yellow").meaning_ar in page
    add = reverse("wagtailsnippets_labour_establishmentsignatory:add")
    response = client.post(
        add,
        {"establishment": establishment.pk, "name": "Owner", "civil_id": "2890 6151 2347"},
    )
    assert response.status_code == 302
    signatory = EstablishmentSignatory.objects.get()
    assert signatory.civil_id_hash == civil_id_hash("289061512347")
    response = client.post(
        add,
        {"establishment": establishment.pk, "name": "Owner", "civil_id": "12345"},
    )
    assert response.status_code == 200 and EstablishmentSignatory.objects.count() == 1


def test_the_demo_gives_the_demo_citizen_two_establishments():
    factories.portal_site()  # load_labour_demo puts its dashboard under the home pages
    call_command("load_labour_demo", stdout=open("/dev/null", "w"))
    call_command("load_labour_demo", stdout=open("/dev/null", "w"))
    demo_hash = civil_id_hash("290010100001")
    licences = sorted(
        EstablishmentSignatory.objects.filter(civil_id_hash=demo_hash).values_list(
            "establishment__licence_number", flat=True
        )
    )
    assert licences == ["DEMO-100", "DEMO-200"]
    assert Establishment.objects.filter(licence_number__startswith="DEMO-").count() == 4
