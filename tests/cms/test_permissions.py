import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Workflow

from cms.models import ServicePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


@factories.per_module
def catalogue():
    """A service of PAM and one of MOCI, their ministries' editors, and the portal's approver."""
    for username in ("pam.editor", "moci.editor", "approver"):
        factories.staff(username)
    return [factories.service(None, "PAM"), factories.service(None, "MOCI")]


def _user(username):
    return get_user_model().objects.get(username=username)


def _service_of(code, language="ar"):
    return ServicePage.objects.filter(authority__code=code, locale__language_code=language).first()


def test_a_ministry_editor_may_edit_its_own_services_but_not_publish_them():
    editor = _user("pam.editor")
    for language in ("ar", "en"):
        permissions = _service_of("PAM", language).permissions_for_user(editor)
        assert permissions.can_edit()
        assert not permissions.can_publish()


def test_a_ministry_editor_may_not_edit_another_ministrys_services():
    editor = _user("pam.editor")
    assert not _service_of("MOCI").permissions_for_user(editor).can_edit()
    assert not _service_of("MOCI", "en").permissions_for_user(editor).can_edit()


def test_the_edit_screen_of_another_ministrys_service_is_refused(client):
    client.force_login(_user("pam.editor"))
    own = client.get(f"/admin/pages/{_service_of('PAM').pk}/edit/")
    foreign = client.get(f"/admin/pages/{_service_of('MOCI').pk}/edit/")
    assert own.status_code == 200
    assert foreign.status_code in (302, 403)


def test_services_go_through_the_ministry_review_workflow():
    page = _service_of("PAM")
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == "Ministry review"
    assert (
        Workflow.objects.get(name="Ministry review")
        .tasks.get()
        .specific.groups.filter(name="Portal approvers")
        .exists()
    )


def test_an_editors_submission_is_approved_and_published_by_an_approver():
    editor, approver = _user("pam.editor"), _user("approver")
    page = _service_of("PAM")
    page.summary = "Edited by the ministry."
    revision = page.save_revision(user=editor)
    state = page.get_workflow().start(page, editor)
    assert ServicePage.objects.get(pk=page.pk).summary != "Edited by the ministry."
    task_state = state.current_task_state
    task = task_state.task.specific
    assert approver.groups.filter(pk__in=task.groups.all()).exists()
    assert not editor.groups.filter(pk__in=task.groups.all()).exists()
    task.on_action(task_state, approver, "approve")
    page.refresh_from_db()
    assert page.summary == "Edited by the ministry."
    assert page.live_revision_id == revision.pk


def test_the_submit_button_names_the_workflow_in_the_admins_language(client):
    from django.utils import translation

    client.force_login(_user("pam.editor"))
    with translation.override("ar"):
        page = client.get(f"/admin/pages/{_service_of('PAM').pk}/edit/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "مراجعة الوزارة" in page and "Ministry review" not in page
