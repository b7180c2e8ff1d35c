"""A ministry's editor and the portal's approver in the Arabic admin, in a real browser: the editor edits a
service of their own ministry and submits it to the review workflow, whose name the admin says in Arabic; the
approver finds it waiting. Screenshots for docs/journeys.md are written to docs/journeys/."""

from django.contrib.auth import get_user_model

from cms.models import ServicePage

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
