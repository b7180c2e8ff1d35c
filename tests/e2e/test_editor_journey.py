"""A ministry's editor and the portal's approver in the Arabic admin, in a real browser: the editor edits a
service of their own ministry and submits it to the review workflow, whose name the admin says in Arabic; the
approver finds it waiting. A ministry's editor launches a poll for their own ministry: the authority chooser
offers only that ministry, and the poll goes to the ministry review unpublished. Screenshots for docs/journeys.md are written to docs/journeys/."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.models import Authority, HomePage, ServicePage
from participation.models import ParticipationIndexPage, PollPage

from .test_citizen_journey import doc_screenshot


def test_a_ministry_editor_submits_a_service_for_review_in_arabic(open_page):
    editor = get_user_model().objects.get(username="msal.editor")
    service = ServicePage.objects.filter(authority__code="MSAL", locale__language_code="ar").first()
    browser = open_page()
    browser.sign_in(editor)
    page = browser.page
    page.goto(f"/admin/pages/{service.pk}/edit/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    submit = page.get_by_role("button", name="تقديم إلى مراجعة الوزارة")
    submit.wait_for()
    assert "Ministry review" not in page.locator("footer").inner_text()
    doc_screenshot(page, "editor-1-submit-for-review")
    with page.expect_navigation():
        submit.click()
    service.refresh_from_db()
    state = service.current_workflow_state
    assert state is not None and state.status == state.STATUS_IN_PROGRESS
    assert service.live  # the published version stays until the approver publishes the new one

    approver = browser_for = open_page()
    approver.sign_in(get_user_model().objects.get(username="approver"))
    browser_for.page.goto("/admin/")
    assert service.title in browser_for.page.locator("main").inner_text()
    doc_screenshot(browser_for.page, "editor-2-awaiting-review")


def test_a_ministry_editor_launches_a_poll_for_their_ministry_and_submits_it_for_review(open_page):
    editor = get_user_model().objects.get(username="msal.editor")
    home = HomePage.objects.get(locale__language_code="ar", depth=2)
    index = ParticipationIndexPage.objects.child_of(home).get()
    browser = open_page()
    browser.sign_in(editor)
    page = browser.page
    page.goto(f"/admin/pages/add/participation/pollpage/{index.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#id_title", "هل تؤيد العمل المرن في القطاع الخاص؟")
    # The authority chooser: a modal that lists only the editor's own ministry.
    page.locator("[data-field-input] button, #id_authority-chooser button, .chooser button").filter(
        has_text="اختر"
    ).first.click()
    modal = page.locator(".modal-content")
    modal.locator("table tbody tr").first.wait_for()
    rows = modal.locator("table tbody tr")
    ministry = Authority.objects.get(code="MSAL", locale__language_code="ar")
    assert rows.count() == 1 and ministry.name in rows.first.inner_text()
    rows.first.locator("a").first.click()
    modal.wait_for(state="hidden")
    page.fill("#id_summary", "استطلاع رأي قصير عن العمل المرن.")
    now = timezone.localtime()
    page.fill("#id_opens_at", (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"))
    page.fill("#id_closes_at", (now + timedelta(days=15)).strftime("%Y-%m-%d %H:%M"))
    for number, (label, key) in enumerate((("نعم", "yes"), ("لا", "no"))):
        page.fill(f"#id_options-{number}-label", label)
        page.fill(f"#id_options-{number}-key", key)
    page.keyboard.press("Escape")  # closes the date picker left open by the last date
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    submit = page.get_by_role("button", name="تقديم إلى مراجعة الوزارة")
    submit.wait_for()
    doc_screenshot(page, "editor-3-launch-a-poll")
    with page.expect_navigation():
        submit.click()
    poll = PollPage.objects.child_of(index).get(title="هل تؤيد العمل المرن في القطاع الخاص؟")
    assert poll.authority.code == "MSAL"
    assert list(poll.options.values_list("key", flat=True)) == ["yes", "no"]
    state = poll.current_workflow_state
    assert state is not None and state.status == state.STATUS_IN_PROGRESS
    assert not poll.live  # the portal's approvers publish it
