"""What a citizen does, in a real browser, with the keyboard only where it matters."""

import re
import uuid

from django.urls import reverse
from django.utils import translation

from participation.models import Ballot, Comment, PetitionSignature
from participation.selectors.polls import original_of
from tests.participation.conftest import make_citizen

from .pages import demo_consultation, demo_petition, demo_poll, service_page
from .test_accessibility import axe_violations


def press_tab_until(page, predicate, limit=80):
    """Tab through the page until the focused element satisfies the JavaScript `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_the_skip_link_is_the_first_stop_and_takes_focus_to_the_content(open_page):
    page = open_page().page
    page.goto("/ar/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["width"] >= 24 and box["height"] >= 24  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_citizen_signs_a_petition_with_the_keyboard_only_and_sees_the_count_move(open_page):
    petition = demo_petition()
    citizen = make_citizen("L2")
    browser = open_page()
    browser.sign_in(citizen)
    page = browser.page
    with translation.override("en"):
        detail = reverse("participation:petition_detail", args=[petition.pk])
    page.goto(detail)
    assert page.locator("#petition-count-heading").inner_text().startswith("0 ")

    press_tab_until(page, "el.name === 'governorate'")
    page.keyboard.press("ArrowDown")  # a closed select changes its value with the arrow keys
    assert page.evaluate("document.activeElement.value") != ""
    press_tab_until(page, "el.name === 'keep_informed'", limit=3)
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    press_tab_until(page, "el.tagName === 'BUTTON' && el.type === 'submit'", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("h1").inner_text() == "You signed the petition"
    signature = PetitionSignature.objects.get(petition=petition, user=citizen)
    assert signature.keep_informed is True
    receipt = page.locator("#petition-receipt").input_value()
    assert receipt.count(".") == 2
    browser.screenshot("journeys/en-petition-signed")

    page.goto(detail)
    assert page.locator("#petition-count-heading").inner_text().startswith("1 ")
    assert page.locator("progress").first.get_attribute("value") == "1"
    assert "You have already signed this petition." in page.locator(".petition-sign").inner_text()

    # The receipt verifies, with its QR code, in both languages.
    for language in ("en", "ar"):
        with translation.override(language):
            page.goto(reverse("receipt_verify") + "?receipt=" + receipt)
        assert page.locator(".receipt-result-valid").count() == 1
        assert page.locator(".receipt-qr svg").count() == 1
        assert axe_violations(page) == []
        browser.screenshot(f"journeys/{language}-receipt-valid")


def test_the_language_switch_on_a_service_page_lands_on_its_translation(open_page):
    arabic = service_page("ar")
    english = arabic.get_translation(arabic.locale.__class__.objects.get(language_code="en"))
    page = open_page().page
    page.goto(arabic.url)
    page.locator('.language-switch a[hreflang="en"]').click()
    page.wait_for_load_state()
    assert page.url.endswith(english.url)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == english.title
    # and back
    page.locator('.language-switch a[hreflang="ar"]').click()
    page.wait_for_load_state()
    assert page.url.endswith(arabic.url)
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_high_contrast_is_one_button_away_without_javascript_and_is_remembered(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/en/")
        button = page.locator(".contrast-switch button")
        assert button.get_attribute("aria-pressed") == "false"
        with page.expect_navigation():
            button.click()
        assert page.url.endswith("/en/")
        assert page.locator('link[href$="high-contrast/tokens.css"]').count() == 1
        page.goto("/ar/")  # another page, later: still high contrast
        assert page.locator("body").get_attribute("data-theme") == "high-contrast"
        assert page.locator(".contrast-switch button").get_attribute("aria-pressed") == "true"
        with page.expect_navigation():
            page.locator(".contrast-switch button").click()
        assert page.locator("body").get_attribute("data-theme") == "default"
    finally:
        context.close()


def test_sign_up_errors_sit_next_to_their_fields_and_keep_what_was_typed(open_page):
    browser = open_page()
    page = browser.page
    with translation.override("en"):
        page.goto(reverse("account_signup"))
    page.fill('input[name="email"]', "new.citizen@example.org")
    page.fill('input[name="password1"]', "short")
    page.fill('input[name="password2"]', "different")
    with page.expect_navigation():
        page.locator('input[name="password2"]').press("Enter")

    assert page.locator('input[name="email"]').input_value() == "new.citizen@example.org"
    field = page.locator('input[name="password1"]')
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby").split()
    errors = [page.locator(f"#{name}").inner_text() for name in described_by if name.endswith("_error")]
    assert errors and re.search(r"too short|at least", errors[0], re.I)
    assert page.locator('[role="alert"]').count() >= 1  # announced
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-sign-up-errors")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new.citizen@example.org").exists()


def test_sign_up_verify_the_email_address_and_comment_on_a_service(open_page):
    """A new citizen signs up, types the code sent by e-mail (the live server is a thread of this process: the
    locmem outbox is ours to read), is signed in at L1 and comments on a service page."""
    from django.core import mail

    service = service_page("en")
    email = f"e2e.{uuid.uuid4().hex[:8]}@example.org"
    browser = open_page()
    page = browser.page
    with translation.override("en"):
        signup = reverse("account_signup")
    page.goto(f"{signup}?next={service.url}")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password1"]', "a long pass phrase for e2e 2026")
    page.fill('input[name="password2"]', "a long pass phrase for e2e 2026")
    sent = len(mail.outbox)
    with page.expect_navigation():
        page.locator('input[name="password2"]').press("Enter")

    messages = [message for message in mail.outbox[sent:] if email in message.to]
    assert messages, "no verification e-mail"
    code = re.search(r"^\s*([A-Z0-9]{3,8}(?:-[A-Z0-9]{3,8})?)\s*$", messages[-1].body, re.M)
    assert code, messages[-1].body
    code_field = page.locator('input[name="code"]')
    assert code_field.count() == 1
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-verify-email-code")
    code_field.fill(code.group(1))
    with page.expect_navigation():
        code_field.press("Enter")

    page.goto(service.url)
    form = page.locator("form.comment-form")
    assert form.count() == 1, "a verified citizen (L1) gets the comment form"
    form.locator("textarea[name=body]").fill("Please list the documents in English as well.")
    with page.expect_navigation():
        form.locator("button[type=submit]").press("Enter")
    comment = Comment.objects.get(author__email=email)
    assert "Please list the documents" in comment.body
    assert page.locator(".comment-body[dir=auto]", has_text="Please list the documents").count() == 1
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-service-comment")


def focused(page, predicate):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()")


def test_cast_a_ballot_with_the_keyboard_only(open_page):
    """An L1 citizen sends an empty ballot (the error is tied to the choices and announced), then picks the second
    option with Tab and the arrow keys, casts it with Enter, keeps the receipt, and sees the live results count it."""
    from django.core.cache import cache

    poll = demo_poll("en")
    citizen = make_citizen("L1")
    browser = open_page()
    browser.sign_in(citizen)
    page = browser.page
    page.goto(poll.url)
    cache.clear()  # the results of earlier tests
    before = page.locator(".poll-results").inner_text()
    ballots = Ballot.objects.filter(poll=original_of(poll))
    ballots_before = ballots.count()

    # Nothing chosen: the page again, the error next to the choices, nothing stored.
    press_tab_until(page, "el.tagName === 'BUTTON' && el.closest('form.poll-ballot-form')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    fieldset = page.locator("form.poll-ballot-form fieldset")
    described_by = fieldset.get_attribute("aria-describedby").split()
    errors = [page.locator(f"#{name}").inner_text() for name in described_by if name.endswith("_errors")]
    assert errors and errors[0].strip(), described_by
    assert page.locator('form.poll-ballot-form [role="alert"]').count() == 1
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-ballot-error")
    assert ballots.count() == ballots_before

    # Tab to the first option, the arrow key moves to (and selects) the next one, Enter casts the ballot.
    press_tab_until(page, "el.type === 'radio' && el.name === 'option'")
    page.keyboard.press("ArrowDown")
    assert focused(page, "el.type === 'radio' && el.checked")
    chosen = page.evaluate("document.activeElement.labels[0].innerText").strip()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a radio button submits its form

    assert page.locator("h1").inner_text() == "Your ballot is cast"
    receipt = page.locator("#ballot-receipt").input_value()
    assert receipt.count(".") == 2
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-ballot-cast")
    assert ballots.count() == ballots_before + 1

    # Back on the poll: "you voted", with the choice only the voter sees; the live results count the ballot.
    cache.clear()
    page.locator("text=Back to the poll").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    own = page.locator(".own-ballot")
    assert own.count() == 1 and chosen in own.inner_text()
    assert page.locator("form.poll-ballot-form button[type=submit]").inner_text() == "Change my ballot"
    assert page.locator(".poll-results").inner_text() != before
    row = page.locator(".poll-results table tbody tr", has_text=chosen)
    assert int(row.locator("td").first.inner_text()) >= 1
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-poll-voted")

    # The receipt verifies.
    with translation.override("en"):
        page.goto(reverse("receipt_verify") + "?receipt=" + receipt)
    assert page.locator(".receipt-result-valid").count() == 1


def test_comment_on_a_consultation_paragraph_with_the_keyboard_only(open_page):
    """An L1 citizen follows "Comment on this paragraph", types, submits with Enter; the comment is stored on that
    paragraph and appears in the paragraph's thread, its text marked dir="auto"."""
    consultation = demo_consultation("en")
    citizen = make_citizen("L1")
    browser = open_page()
    browser.sign_in(citizen)
    page = browser.page
    page.goto(consultation.url)

    press_tab_until(page, "el.tagName === 'A' && el.getAttribute('href').startsWith('?paragraph=')")
    paragraph = page.evaluate("document.activeElement.closest('.draft-paragraph').id")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"paragraph={paragraph}" in page.url
    assert page.locator(f'.draft-paragraph-selected[id="{paragraph}"]').count() == 1

    press_tab_until(page, "el.tagName === 'TEXTAREA' && el.closest('form.comment-form')")
    text = "The rest day should be agreed in writing — يوم الراحة كتابةً."
    page.keyboard.type(text)
    press_tab_until(page, "el.tagName === 'BUTTON' && el.closest('form.comment-form')", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    comment = Comment.objects.get(author=citizen)
    assert comment.paragraph == paragraph
    assert f"paragraph={paragraph}" in page.url
    body = page.locator(".comment-body", has_text="The rest day should be agreed in writing")
    assert body.count() == 1
    assert body.get_attribute("dir") == "auto"
    assert axe_violations(page) == []
    browser.screenshot("journeys/en-consultation-paragraph-comment")
