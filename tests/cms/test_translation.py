"""A ministry's editor translates a page ("Translate"): the copy points at the translations of the authority,
the life events and the related services, and saves as it is."""

import pytest
from wagtail.actions.copy_for_translation import CopyPageForTranslationAction
from wagtail.models import Locale

from cms.models import ServicePage
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_ministry_editor_translates_a_service_and_the_copy_refers_to_english_rows(client):
    editor = factories.staff("msal.editor")
    factories.service("MSAL-T-901", "MSAL")
    arabic = factories.service("MSAL-T-902", "MSAL", life_events=["employment"], related=["MSAL-T-901"])
    arabic.get_translation(Locale.objects.get(language_code="en")).delete()
    english_locale = Locale.objects.get(language_code="en")
    assert editor.has_perm("simple_translation.submit_translation")

    copy = CopyPageForTranslationAction(arabic, english_locale, user=editor).execute().specific
    copy = ServicePage.objects.get(pk=copy.pk)
    assert copy.authority.locale == english_locale and copy.authority.code == "MSAL"
    assert copy.life_events.exists()
    assert all(event.locale == english_locale for event in copy.life_events.all())
    assert all(link.service.locale == english_locale for link in copy.related_links.all())
    copy.full_clean()  # saves as it is: the authority is the English section's
    draft = copy.get_latest_revision_as_object()
    assert draft.authority_id == copy.authority_id

    # and in the admin: the page's "Translate" is offered to the editor
    client.force_login(editor)
    response = client.get(f"/admin/translation/submit/page/{arabic.pk}/")
    assert response.status_code == 200
