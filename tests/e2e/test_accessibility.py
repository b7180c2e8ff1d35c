"""axe-core finds no violation on any public page, in Arabic and English, in both themes."""

import pytest

from tests.participation.conftest import make_citizen

from .pages import (
    commented_petition,
    demo_employer,
    demo_petition,
    labour_pages,
    notified_citizen,
    participation_pages,
    public_pages,
)

# Every rule axe-core runs by default (WCAG 2.0-2.2 A and AA, and its best practices), and the WCAG 2.2 target size.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
KEY_PAGES = {
    "home",
    "catalogue",
    "service",
    "petitions",
    "petition",
    "sign-in",
    "receipt-not-valid",
    "not-found",
    "labour-dashboard",
}


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_every_public_page_has_no_axe_violation_in_either_language(open_page, theme):
    petition = demo_petition()
    browser = open_page()
    if theme == "high-contrast":
        browser.high_contrast()
    failures = []
    for language, direction in (("ar", "rtl"), ("en", "ltr")):
        for name, path in public_pages(language, petition):
            response = browser.page.goto(path)
            expected = {"not-found": 404, "search-bad-date": 400}.get(name, 200)
            assert response.status == expected, (path, response.status)
            html = browser.page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
            assert browser.page.locator("body").get_attribute("data-theme") == theme, path
            failures += [f"{theme} {language} {path}: {violation}" for violation in axe_violations(browser.page)]
            if name in KEY_PAGES:
                browser.screenshot(f"{theme}/{language}-{name}")
    assert failures == [], "\n".join(failures)


PARTICIPATION_KEY_PAGES = {
    "participate",
    "consultation-respond",
    "poll-ballot",
    "poll-ranked-closed",
    "petition-start",
    "petitions-mine",
    "petition-comments",
    "notifications",
}


# What each page is for, there to be checked (a page that rendered only a refusal would pass axe just as well).
PARTICIPATION_SHOWS = {
    "participate": "a[href*='domestic-workers-weekly-rest']",
    "consultation": ".consultation-respond a[href*='next=']",
    "consultation-respond": "form.consultation-response-form fieldset legend",
    "poll": ".poll-vote a[href*='next=']",
    "poll-ballot": "form.poll-ballot-form fieldset input[type=radio]",
    "poll-ranked-closed": ".poll-results table",
    "poll-ranked-results": "main table",
    "petition-start": "form.petition-start-form",
    "petitions-mine": "main .petition-list a",
    "petition-sponsor": "section.petition-sponsor form button[type=submit]",
    "petition-comments": ".comment-list .comment-body[dir=auto]",
    "petition-comments-signed-in": "form.comment-form textarea[dir=auto]",
    "notifications": ".notification-list .notification-unread",
}


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_participation_and_notification_pages_have_no_axe_violation_in_either_language(open_page, theme):
    """The participation section, a consultation and its response form, a poll's ballot form and a closed ranked
    poll's results, starting a petition and "my petitions", a petition with comments, and the notifications inbox:
    signed out, and signed in as the citizen each form is for (a new browser context for each person)."""
    petition = commented_petition()
    people = {None: None, "author": petition.author, "notified": notified_citizen()}
    browsers = {}
    failures = []
    for language, direction in (("ar", "rtl"), ("en", "ltr")):
        for name, path, who in participation_pages(language, petition):
            if who not in people:
                people[who] = make_citizen(who)
            if who not in browsers:
                browsers[who] = open_page()
                if people[who] is not None:
                    browsers[who].sign_in(people[who])
                if theme == "high-contrast":
                    browsers[who].high_contrast()
            browser = browsers[who]
            response = browser.page.goto(path)
            assert response.status == 200, (path, who, response.status)
            html = browser.page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
            assert browser.page.locator("body").get_attribute("data-theme") == theme, path
            assert browser.page.locator(PARTICIPATION_SHOWS[name]).count() >= 1, (name, path, who)
            failures += [f"{theme} {language} {name} {path}: {violation}" for violation in axe_violations(browser.page)]
            if name in PARTICIPATION_KEY_PAGES:
                browser.screenshot(f"{theme}/{language}-{name}")
    assert failures == [], "\n".join(failures)


def test_axe_does_report_what_it_finds(open_page):
    """The check above is only worth something if axe runs and reports: an unlabelled field must be caught."""
    browser = open_page()
    browser.page.goto("/en/")
    browser.page.locator("main").evaluate("main => main.append(document.createElement('input'))")
    assert any(violation.startswith("label ") for violation in axe_violations(browser.page))


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_the_500_page_has_no_axe_violation_in_either_language(open_page, theme):
    """The 500 page as Django renders it when something broke, in the theme the request wears (ThemeMiddleware
    is still around the view when the error is turned into a page), served to the browser from the portal's own
    origin so that its styles and font load as they would."""
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import server_error

    from themes.registry import serving
    from themes.selection import CONTRAST_COOKIE, CONTRAST_HIGH

    browser = open_page()
    if theme == "high-contrast":
        browser.high_contrast()
    failures = []
    for language in ("ar", "en"):
        request = RequestFactory().get(f"/{language}/")
        if theme == "high-contrast":
            request.COOKIES[CONTRAST_COOKIE] = CONTRAST_HIGH
        with translation.override(language), serving(request):
            html = server_error(request).content.decode()
        assert f"themes/{theme}/tokens.css" in html
        path = f"/{language}/broken-on-purpose/"
        browser.page.route(f"**{path}", _serve(html, status=500))
        response = browser.page.goto(path)
        assert response.status == 500
        assert browser.page.locator("html").get_attribute("lang") == language
        failures += [f"{theme} {language} 500: {violation}" for violation in axe_violations(browser.page)]
        browser.screenshot(f"{theme}/{language}-server-error")
    assert failures == [], "\n".join(failures)


def _serve(html, status):
    """A Playwright route handler (it takes the route alone) that answers with this page."""

    def handle(route):
        route.fulfill(status=status, body=html, content_type="text/html")

    return handle


LABOUR_SHOWS = {
    "labour-establishments": "main table a[href*='DEMO-100']",
    "labour-standing": "main table.standing th[scope=row]",
    "labour-needs-new": "form.needs-request-form select",
    "labour-needs-mine": "main table a[href*='LNR-']",
    "labour-needs-request": "main section.needs-estimate table",
}


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_the_employers_labour_pages_have_no_axe_violation_in_either_language(open_page, theme):
    """The demo employer's establishments, a standing with its bands, the labour-needs form before and after
    checking the estimate (typed and submitted with the keyboard), their requests and one request's page."""
    employer, request = demo_employer()
    browser = open_page()
    browser.sign_in(employer)
    if theme == "high-contrast":
        browser.high_contrast()
    failures = []
    for language, direction in (("ar", "rtl"), ("en", "ltr")):
        for name, path in labour_pages(language, request):
            response = browser.page.goto(path)
            assert response.status == 200, (path, response.status)
            html = browser.page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
            assert browser.page.locator(LABOUR_SHOWS[name]).count() >= 1, (name, path)
            failures += [f"{theme} {language} {name}: {violation}" for violation in axe_violations(browser.page)]
            if name == "labour-needs-new":
                browser.page.locator("#id_workers").fill("3")
                browser.page.locator("#id_workers").press("Enter")  # the form's first button: check the estimate
                browser.page.wait_for_selector("section.needs-estimate")
                failures += [f"{theme} {language} estimate: {v}" for v in axe_violations(browser.page)]
                browser.screenshot(f"{theme}/{language}-labour-needs-estimate")
    assert failures == [], "\n".join(failures)
