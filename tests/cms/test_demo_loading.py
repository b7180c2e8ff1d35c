"""`make run` loads the demo every time: it creates what is missing and never changes what someone changed."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cms.models import ServiceIndexPage, ServicePage
from cms.services import ensure_authority_section

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def load_demo():
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", no_progress=True, stdout=devnull)


def test_loading_the_demo_again_keeps_published_changes_passwords_and_section_titles():
    service = ServicePage.objects.live().filter(locale__language_code="en").first()
    service.title = "Changed by an editor"
    service.save_revision().publish()
    section = ensure_authority_section("MSAL")["en"]
    section.title = "Social Affairs (renamed by an editor)"
    section.save_revision().publish()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("the admin's own password 2026")
    admin.save()
    editor = get_user_model().objects.get(username="msal.editor")
    editor.groups.clear()  # an administrator took the demo editor off the ministry's team

    load_demo()

    service.refresh_from_db()
    assert service.title == "Changed by an editor" and service.live
    assert ServicePage.objects.get(pk=service.pk).get_latest_revision().content["title"] == "Changed by an editor"
    assert ServiceIndexPage.objects.get(pk=section.pk).title == "Social Affairs (renamed by an editor)"
    admin.refresh_from_db()
    assert admin.check_password("the admin's own password 2026")
    assert not editor.groups.exists()


def test_loading_the_demo_again_creates_what_is_missing():
    arabic = ServicePage.objects.filter(locale__language_code="ar").first()
    service_id = arabic.service_id
    ServicePage.objects.filter(service_id=service_id).delete()
    load_demo()

    assert set(ServicePage.objects.filter(service_id=service_id).values_list("locale__language_code", flat=True)) == {
        "ar",
        "en",
    }
