"""A ministry launches its own consultation: its editors add it under the participation section for their own
ministry, cannot publish it, submit it to the ministry review, and the portal's approvers publish it; the
ministry's editors see and export its responses."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from participation.models import ConsultationPage
from participation.services.consultations import let_ministries_launch
from tests import factories

from .conftest import make_citizen
from .consultations_helpers import GOOD_ANSWERS, make_consultation, participation_index

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff")]


@factories.per_module
def staff():
    """The admin, the approver and the editors of MSAL, PAM and MOCI (and so their sections), once for the module."""
    return [factories.staff(username) for username in ("admin", "approver", "msal.editor", "pam.editor", "moci.editor")]


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def index():
    index = participation_index()
    let_ministries_launch([index])
    return index


def _form(authority, **overrides):
    now = timezone.now()
    return nested_form_data(
        {
            "title": "مشروع لائحة العمل عن بعد",
            "slug": "remote-work-draft",
            "authority": authority.pk,
            "summary": "نطلب آراءكم في مشروع اللائحة.",
            "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
            "body": streamfield([("paragraph", rich_text("<p>المادة الأولى.</p>"))]),
            "documents": inline_formset([]),
            "questions": inline_formset([]),
            "outcome_summary": rich_text(""),
            "outcome_published_at": "",
            **overrides,
        }
    )


def test_a_ministry_editor_is_offered_only_their_own_ministry(client, index):
    client.force_login(_user("msal.editor"))
    response = client.get(f"/admin/pages/add/participation/consultationpage/{index.pk}/")
    assert response.status_code == 200
    offered = set(response.context["form"].fields["authority"].queryset.values_list("code", flat=True))
    assert offered == {"MSAL"}


def test_a_ministry_launches_a_consultation_that_the_approvers_publish(client, index):
    msal = factories.authority("MSAL")
    editor, approver = _user("msal.editor"), _user("approver")
    client.force_login(editor)
    refused = client.post(
        f"/admin/pages/add/participation/consultationpage/{index.pk}/",
        _form(factories.authority("MOCI"), **{"action-submit": "submit"}),
    )
    assert refused.status_code == 200 and "authority" in refused.context["form"].errors  # another ministry's
    assert not ConsultationPage.objects.filter(slug="remote-work-draft").exists()

    submitted = client.post(
        f"/admin/pages/add/participation/consultationpage/{index.pk}/", _form(msal, **{"action-submit": "submit"})
    )
    assert submitted.status_code == 302, submitted.context["form"].errors if submitted.context else submitted
    page = ConsultationPage.objects.get(slug="remote-work-draft")
    assert not page.live and page.owner == editor
    permissions = page.permissions_for_user(editor)
    assert permissions.can_edit() and not permissions.can_publish()
    assert not page.permissions_for_user(_user("moci.editor")).can_edit()

    state = page.current_workflow_state
    assert state is not None and state.workflow.name == "Ministry review"
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, approver, "approve")
    page.refresh_from_db()
    assert page.live


def test_the_ministrys_editors_see_and_export_the_responses_of_its_consultations(client, index):
    page = make_consultation(opens=-1, closes=30)  # an MSAL consultation launched by someone else
    from participation.services.consultations import respond_to_consultation

    respond_to_consultation(make_citizen("L1"), page, GOOD_ANSWERS)
    client.force_login(_user("msal.editor"))
    listing = client.get(f"/admin/pages/{page.get_parent().pk}/").content.decode()
    assert f"/admin/participation/consultations/{page.pk}/responses/" in listing  # offered where they find it
    assert client.get(f"/admin/participation/consultations/{page.pk}/responses/").status_code == 200
    export = client.get(f"/admin/participation/consultations/{page.pk}/responses.csv")
    assert export.status_code == 200 and b"".join(export.streaming_content).count(b"\n") == 2
    client.force_login(_user("moci.editor"))
    assert client.get(f"/admin/participation/consultations/{page.pk}/responses.csv").status_code in (302, 403)


def test_the_command_lets_every_ministry_launch(index):
    other = participation_index("en")
    call_command("let_ministries_launch", stdout=open("/dev/null", "w"))
    for username in ("msal.editor", "moci.editor", "pam.editor"):
        assert other.permissions_for_user(_user(username)).can_add_subpage()
        assert not other.permissions_for_user(_user(username)).can_publish_subpage()


def test_the_authority_chooser_offers_a_ministry_editor_only_their_ministry(client, index):
    """The chooser modal of the authority field lists what the form accepts: a ministry's editor sees only their
    ministry there too (and in its search results); an approver sees every authority."""
    client.force_login(_user("msal.editor"))
    for url in ("/admin/snippets/choose/cms/authority/", "/admin/snippets/choose/cms/authority/results/?q=M"):
        response = client.get(url)
        assert response.status_code == 200
        assert {item.code for item in response.context["results"]} == {"MSAL"}
    superuser = get_user_model().objects.filter(is_superuser=True).first()
    client.force_login(superuser)
    response = client.get("/admin/snippets/choose/cms/authority/")
    assert len({item.code for item in response.context["results"]}) > 1
