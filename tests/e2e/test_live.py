"""Live updates in two browsers at once: what one citizen does reaches another's open page over the websocket,
without a reload. The portal is served over ASGI here (the `open_live_page` fixture: uvicorn in a thread of the
test process), as in production; on the embedded default the in-memory channel layer and inline tasks push from
inside that server, with REDIS_URL the Redis layer does."""

import re

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from notifications.models import Notification
from participation.models import Comment, PetitionSignature
from participation.services import comments
from tests.participation.conftest import make_citizen

from .pages import demo_consultation, demo_petition

# How long a live update may take to show, in milliseconds: it normally takes a fraction of a second.
LIVE = 10_000
ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def mark_the_page(page):
    """A flag on the page's window, gone if the page is reloaded or left."""
    page.evaluate("window.e2eStillThisPage = true")


def still_the_same_page(page):
    return page.evaluate("window.e2eStillThisPage === true")


def test_a_reply_rings_the_bell_of_the_commenter_in_another_browser_without_a_reload(open_live_page):
    """Citizen B commented on the demo consultation and is reading it, in Arabic, signed in. Citizen A, in another
    browser, in English, replies to B's comment with the comment's own Reply form. B's bell goes from 0 to 1 unread
    without a reload (the notification frame came over the socket), and the notification, in Arabic, is in B's
    inbox, one click from the reply."""
    commenter, replier = make_citizen("L1"), make_citizen("L1")
    text = "<p>يوم الراحة الأسبوعي يجب أن يكون مدفوع الأجر.</p>"
    comment = comments.post_comment(commenter, demo_consultation("ar"), text)

    # B: the consultation page with the bell; once the socket has synced, the bell shows the exact unread count.
    watcher = open_live_page()
    watcher.sign_in(commenter)
    b_page = watcher.page
    b_page.goto(demo_consultation("ar").url)
    watcher.wait_for_frame(lambda frame: frame.get("type") == "synced")
    unread = b_page.locator("[data-notification-bell] [data-notification-unread]")
    expect(unread).to_have_attribute("data-count", "0", timeout=LIVE)
    before = unread.inner_text()
    mark_the_page(b_page)

    # A: another browser, another citizen, the English page; Reply opens the form under B's comment.
    writer = open_live_page()
    writer.sign_in(replier)
    a_page = writer.page
    a_page.goto(demo_consultation("en").url)
    thread = a_page.locator(f"#comment-{comment.pk}")
    thread.locator("details.reply > summary").click()
    thread.locator(f"#reply-{comment.pk}-body").fill("Agreed, and it should be written in the contract.")
    with a_page.expect_navigation():
        thread.locator("details.reply button[type=submit]").click()
    reply = Comment.objects.get(parent=comment)
    assert reply.author == replier
    expect(a_page.locator(f"#comment-{reply.pk} .comment-body")).to_contain_text("written in the contract")

    # B: the bell rings on the page B was reading, pushed over the socket.
    expect(unread).to_have_attribute("data-count", "1", timeout=LIVE)
    expect(unread).not_to_have_text(before)
    assert still_the_same_page(b_page), "the page was reloaded"
    notification = Notification.objects.get(recipient=commenter, kind="comment.reply")
    frame = watcher.wait_for_frame(lambda frame: frame.get("type") == "notification")
    assert frame["notification"]["id"] == notification.pk
    assert frame["notification"]["text"] == notification.text_ar  # in the language of B's page
    assert not Notification.objects.filter(recipient=replier).exists()
    watcher.screenshot("journeys/ar-live-notification-bell")

    # The bell leads to the inbox, where the notification is, unread, in Arabic; its link leads to the reply.
    with b_page.expect_navigation():
        b_page.locator("[data-notification-bell]").click()
    item = b_page.locator(f'[data-notification-list] [data-notification-id="{notification.pk}"]')
    expect(item).to_contain_text(notification.text_ar)
    assert "notification-unread" in item.get_attribute("class")
    with b_page.expect_navigation():
        item.locator("a").first.click()
    assert b_page.url.endswith(f"#comment-{reply.pk}")
    expect(b_page.locator(f"#comment-{reply.pk} .comment-body")).to_contain_text("written in the contract")


def served_count(browser, path, key):
    """The count as the server writes it into the page (fetched without running the page's script)."""
    html = browser.context.request.get(path).text()
    found = re.search(rf'data-live-counter="{re.escape(key)}">([^<]*)<', html)
    assert found, f"no live counter {key} in {path}"
    return found.group(1).strip()


def as_number(text):
    """A shown count as a number, whichever digits it is written in."""
    return int(text.translate(ARABIC_INDIC_DIGITS).replace(",", "").replace("\u066c", "").strip())


def test_an_anonymous_visitor_watches_the_count_move_when_someone_signs_in_another_browser(open_live_page):
    """A visitor, not signed in, has an open petition's page open in Arabic. A citizen at the level signing needs
    (L2) signs it in another browser, with the page's own form. The visitor's count goes from 0 to 1 without a
    reload (the value came over the socket), and shows what the server now writes in the page."""
    petition = demo_petition()
    with translation.override("ar"):
        detail = reverse("participation:petition_detail", args=[petition.pk])
    key = f"petition:{petition.pk}"

    visitor = open_live_page()
    v_page = visitor.page
    v_page.goto(detail)
    counter = v_page.locator(f'[data-live-counter="{key}"]')
    assert as_number(served_count(visitor, detail, key)) == 0
    # Subscribed before anyone signs: the socket answered with the counter's value.
    first = visitor.wait_for_frame(lambda frame: frame.get("type") == "counter" and frame.get("counter") == key)
    assert first["value"] == 0
    mark_the_page(v_page)

    citizen = make_citizen("L2")
    signer = open_live_page()
    signer.sign_in(citizen)
    s_page = signer.page
    s_page.goto(detail)
    form = s_page.locator("form.petition-sign-form")
    form.locator("select[name=governorate]").select_option(index=1)
    with s_page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert PetitionSignature.objects.filter(petition=petition, user=citizen).exists()

    # The visitor's page: the pushed value, shown without a reload.
    pushed = visitor.wait_for_frame(lambda frame: frame.get("type") == "counter" and frame.get("value") == 1)
    assert pushed["counter"] == key
    expect(counter).to_have_text(re.compile(r"^\s*1\s*$"), timeout=LIVE)
    assert still_the_same_page(v_page), "the page was reloaded"
    visitor.screenshot("journeys/ar-live-petition-count")

    served = served_count(visitor, detail, key)
    assert as_number(served) == 1
    # live.js writes numbers as the portal does (Western digits in Arabic too, portal/formats/ar).
    assert counter.inner_text().strip() == served


def test_the_live_count_ends_on_the_last_signature_and_the_petition_names_its_ministry_in_each_language(
    open_live_page,
):
    """Started through the API with the English record of its ministry, a petition's Arabic page still names the
    ministry in Arabic. Three citizens sign within a second: the visitor's count, pushed at most once a second,
    ends on 3 — the last push carries the last signature — without a reload."""
    from cms.models import Authority
    from participation.services import petitions as petition_services

    english = Authority.objects.get(code="MSAL", locale__language_code="en")
    arabic = Authority.objects.get(code="MSAL", locale__language_code="ar")
    petition = demo_petition()
    petition.authority = english  # as an English page or the API chose it before petitions named the Arabic record
    petition.save(update_fields=["authority"])
    with translation.override("ar"):
        detail = reverse("participation:petition_detail", args=[petition.pk])
    key = f"petition:{petition.pk}"

    visitor = open_live_page()
    page = visitor.page
    page.goto(detail)
    expect(page.locator("main")).to_contain_text(arabic.name)
    assert english.name not in page.locator("main").inner_text()
    visitor.wait_for_frame(lambda frame: frame.get("type") == "counter" and frame.get("counter") == key)
    mark_the_page(page)

    for _ in range(3):
        petition_services.sign_petition(make_citizen("L2"), petition, "capital")
    visitor.wait_for_frame(lambda frame: frame.get("type") == "counter" and frame.get("value") == 3)
    expect(page.locator(f'[data-live-counter="{key}"]')).to_have_text(re.compile(r"^\s*3\s*$"), timeout=LIVE)
    assert still_the_same_page(page), "the page was reloaded"
