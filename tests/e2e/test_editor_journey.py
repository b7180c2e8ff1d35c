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


def open_dropdown_holding(page, where, link):
    """Opens, one after the other, the dropdown menus in `where` until `link` shows: Wagtail's menus put their
    items in the page only while open."""
    toggles = page.locator(f"{where} [data-w-dropdown-target='toggle']")
    for number in range(toggles.count()):
        toggles.nth(number).click()
        if link.count():
            link.first.wait_for()
            return
        page.keyboard.press("Escape")
    raise AssertionError(f"no menu in {where} offers {link}")


def test_a_ministry_editor_translates_a_service_and_saves_the_english_copy_as_it_is(open_page):
    """ "Translate" is offered to the ministry's editor; the English copy refers to the English authority and life
    events, so it saves without re-choosing them."""
    from wagtail.models import Locale

    original = next(
        page
        for page in ServicePage.objects.filter(authority__code="MSAL", locale__language_code="ar", live=True)
        if page.life_events.exists()
    )
    arabic = original.copy(
        to=original.get_parent(),
        update_attrs={
            "title": f"{original.title} — نسخة للترجمة",
            "slug": f"{original.slug}-to-translate",
            "service_id": f"{original.service_id}-T"[:40],
        },
        keep_live=True,
        reset_translation_key=True,
    ).specific
    english = Locale.objects.get(language_code="en")
    browser = open_page()
    browser.sign_in(get_user_model().objects.get(username="msal.editor"))
    page = browser.page
    page.goto(f"/admin/pages/{arabic.pk}/edit/")
    translate = page.locator(f"a[href^='/admin/translation/submit/page/{arabic.pk}/']")
    open_dropdown_holding(page, "header", translate)  # offered in the page's actions
    page.goto(translate.first.get_attribute("href"))
    page.locator("input[name=locales]").first.check()  # English, the one language not yet translated to
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    assert page.url.endswith("/edit/")  # straight to the English copy
    copy = ServicePage.objects.get(translation_key=arabic.translation_key, locale=english)
    page.goto(f"/admin/pages/{copy.pk}/edit/")
    assert copy.authority.locale == english and copy.authority.code == "MSAL"
    assert copy.life_events.exists() and all(event.locale == english for event in copy.life_events.all())
    page.fill("#id_title", "A service translated by its ministry")
    with page.expect_navigation():
        page.locator("footer button.action-save").click()
    assert page.locator(".error-message, .help-critical").count() == 0, page.locator("main").inner_text()[:500]
    draft = ServicePage.objects.get(pk=copy.pk).get_latest_revision_as_object()
    assert draft.title == "A service translated by its ministry" and draft.authority_id == copy.authority_id
    doc_screenshot(page, "editor-4-translated-copy-saved")


def test_a_ministry_editor_reads_and_exports_the_responses_to_their_consultation(open_page):
    from participation.services.consultations import respond_to_consultation
    from tests.participation.conftest import make_citizen
    from tests.participation.consultations_helpers import GOOD_ANSWERS, make_consultation

    consultation = make_consultation(opens=-1, closes=30, title="مشروع لائحة ساعات العمل — ردود")
    for _ in range(2):
        respond_to_consultation(make_citizen("L1"), consultation, GOOD_ANSWERS)
    browser = open_page()
    browser.sign_in(get_user_model().objects.get(username="msal.editor"))
    page = browser.page
    page.goto(f"/admin/pages/{consultation.get_parent().pk}/")
    link = page.locator(f"a[href='/admin/participation/consultations/{consultation.pk}/responses/']")
    open_dropdown_holding(page, "main table", link)  # the listing offers the ministry's editor its responses
    page.goto(link.first.get_attribute("href"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "مشاركتان حتى الآن" in page.locator("main p").first.inner_text()  # two, in the Arabic dual
    assert "(support · اختيار واحد)" in page.locator("main").inner_text()  # the question's kind in Arabic
    with page.expect_download() as download:
        page.get_by_role("link", name="تنزيل CSV").click()
    rows = open(download.value.path(), encoding="utf-8-sig").read().strip().splitlines()
    assert len(rows) == 3  # a header and the two responses
    doc_screenshot(page, "editor-5-responses")

    other = open_page()
    other.sign_in(get_user_model().objects.get(username="moci.editor"))
    refused = other.page.goto(f"/admin/participation/consultations/{consultation.pk}/responses.csv")
    assert refused.status in (403, 404) or "/admin/" in other.page.url and "responses" not in other.page.url
