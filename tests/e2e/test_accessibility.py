"""axe-core finds no violation on any public page, in Arabic and English, in both themes."""

import pytest

from .pages import demo_petition, public_pages

# Every rule axe-core runs by default (WCAG 2.0-2.2 A and AA, and its best practices), and the WCAG 2.2 target size.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
KEY_PAGES = {"home", "catalogue", "service", "petitions", "petition", "sign-in", "receipt-not-valid", "not-found"}


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
            assert response.status == (404 if name == "not-found" else 200), (path, response.status)
            html = browser.page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
            assert browser.page.locator("body").get_attribute("data-theme") == theme, path
            failures += [f"{theme} {language} {path}: {violation}" for violation in axe_violations(browser.page)]
            if name in KEY_PAGES:
                browser.screenshot(f"{theme}/{language}-{name}")
    assert failures == [], "\n".join(failures)


def test_axe_does_report_what_it_finds(open_page):
    """The check above is only worth something if axe runs and reports: an unlabelled field must be caught."""
    browser = open_page()
    browser.page.goto("/en/")
    browser.page.locator("main").evaluate("main => main.append(document.createElement('input'))")
    assert any(violation.startswith("label ") for violation in axe_violations(browser.page))
