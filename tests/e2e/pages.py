"""The public pages the browser tests visit, by name, in one language."""

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from cms.models import Authority, LifeEvent, ServiceIndexPage, ServicePage
from tests.participation.conftest import make_citizen, make_petition


def demo_petition():
    authority = Authority.objects.get(code="MSAL", locale__language_code="ar")
    return make_petition(make_citizen("L2"), authority)


def service_page(language):
    """A service of the demo with the most to show: a start button, required documents and a translation."""
    services = ServicePage.objects.live().filter(locale__language_code=language).exclude(start_url="")
    return max(services, key=lambda service: (len(service.documents), len(service.steps)))


def public_pages(language, petition):
    with translation.override(language):
        catalogue = ServiceIndexPage.objects.live().filter(locale__language_code=language, authority__isnull=True)
        catalogue = catalogue.order_by("depth").first()
        section = ServiceIndexPage.objects.live().filter(locale__language_code=language, authority__isnull=False)
        life_event = LifeEvent.objects.filter(locale__language_code=language).first()
        pages = [
            ("home", f"/{language}/"),
            ("catalogue", catalogue.url),
            ("catalogue-by-authority", section.first().url),
            (
                "catalogue-by-life-event",
                f"{catalogue.url}?life_event={life_event.slug}" if life_event else catalogue.url,
            ),
            ("service", service_page(language).url),
            ("petitions", reverse("participation:petition_list")),
            ("petition", reverse("participation:petition_detail", args=[petition.pk])),
            ("sign-in", reverse("account_login")),
            ("sign-up", reverse("account_signup")),
            ("receipt-verification", reverse("receipt_verify")),
            ("receipt-not-valid", reverse("receipt_verify") + "?receipt=not.a.receipt"),
            ("not-found", f"/{language}/no-such-page/"),
            ("labour-dashboard", f"/{language}/labour-market/"),
        ]
        try:
            pages.append(("search", reverse("search_page") + "?q=%D8%A5%D8%B0%D9%86"))
            # The date filter refused: its error sits at the field (a 400 page).
            pages.append(("search-bad-date", reverse("search_page") + "?q=x&date_from=2026-13-45&date_to=2026-01-01"))
        except NoReverseMatch:
            pass  # the public search page is not there yet (docs/accessibility.md)
    return pages


# --- Civic participation and notifications ---------------------------------------------------------------------


def participation_index(language):
    from participation.models import ParticipationIndexPage

    return ParticipationIndexPage.objects.live().filter(locale__language_code=language).first()


def demo_consultation(language):
    from participation.models import ConsultationPage

    return ConsultationPage.objects.live().get(locale__language_code=language, slug="domestic-workers-weekly-rest")


def demo_poll(language, slug="first-e-services"):
    """The open single-choice poll (live results), or with slug="labour-market-priorities" the closed ranked one."""
    from participation.models import PollPage

    return PollPage.objects.live().get(locale__language_code=language, slug=slug)


def commented_petition():
    """A petition with a comment and a reply, by two citizens."""
    from participation.services import comments

    petition = demo_petition()
    first, second = make_citizen("L1"), make_citizen("L1")
    comment = comments.post_comment(first, petition, "<p>ساعات العمل المسائية تناسب الموظفين.</p>")
    comments.post_comment(second, petition, "I agree: evenings would help working families.", parent=comment)
    return petition


def notified_citizen():
    """An L2 citizen with an unread and a read notification and something followed."""
    from django.utils import timezone

    from notifications import services as notifications
    from notifications.models import Notification

    citizen = make_citizen("L2")
    petition = demo_petition()
    with translation.override("ar"):
        url_ar = reverse("participation:petition_detail", args=[petition.pk])
    with translation.override("en"):
        url_en = reverse("participation:petition_detail", args=[petition.pk])
    Notification.objects.create(
        recipient=citizen,
        kind="petition.threshold_reached",
        target=f"petition:{petition.pk}",
        text_ar="بلغت العريضة التي تتابعها عدد التوقيعات المطلوب.",
        text_en="A petition you follow reached its signature threshold.",
        url_ar=url_ar,
        url_en=url_en,
        dedupe_key=f"e2e:{citizen.pk}:1",
    )
    Notification.objects.create(
        recipient=citizen,
        kind="consultation.opened",
        text_ar="فُتحت استشارة عامة جديدة.",
        text_en="A new public consultation is open.",
        dedupe_key=f"e2e:{citizen.pk}:2",
        read_at=timezone.now(),
    )
    notifications.follow(citizen, f"petition:{petition.pk}")
    return citizen


def participation_pages(language, petition):
    """(name, path, who): who is None (signed out), "L1" or "L2" (a new citizen at that level, signed in), "author"
    (the petition's author, L2) or "notified" (a citizen with notifications, see notified_citizen)."""
    with translation.override(language):
        consultation = demo_consultation(language)
        poll = demo_poll(language)
        ranked = demo_poll(language, "labour-market-priorities")
        # A petition gathering sponsors: its share link is the page a sponsor opens.
        from participation.models import Petition

        authority = Authority.objects.get(code="MSAL", locale__language_code="ar")
        collecting = make_petition(make_citizen("L2"), authority, state=Petition.State.COLLECTING_SPONSORS)
        return [
            ("participate", participation_index(language).url, None),
            ("consultation", consultation.url, None),
            ("consultation-respond", consultation.url, "L1"),
            ("poll", poll.url, None),
            ("poll-ballot", poll.url, "L1"),
            ("poll-ranked-closed", ranked.url, None),
            ("poll-ranked-results", reverse("participation:poll_results", args=[ranked.pk]), None),
            ("petition-start", reverse("participation:petition_start"), "L2"),
            ("petitions-mine", reverse("participation:my_petitions"), "author"),
            ("petition-sponsor", reverse("participation:petition_sponsor", args=[collecting.sponsor_token]), "L2"),
            ("petition-comments", reverse("participation:petition_detail", args=[petition.pk]), None),
            ("petition-comments-signed-in", reverse("participation:petition_detail", args=[petition.pk]), "L1"),
            ("notifications", reverse("notifications:inbox"), "notified"),
        ]


def demo_employer():
    """The demo's employer: whoever signs in with the demo civil ID 290010100001, the signatory of DEMO-100 and
    DEMO-200 (load_labour_demo), with a labour-needs request submitted."""
    from identity.models import NationalIdentity
    from identity.national_id import civil_id_hash
    from labour import demo, services

    civil_hash = civil_id_hash(demo.SIGNATORY_CIVIL_ID)
    linked = NationalIdentity.objects.filter(civil_id_hash=civil_hash).select_related("user").first()
    employer = linked.user if linked else make_citizen("L2")
    if linked is None:
        NationalIdentity.objects.create(user=employer, civil_id_hash=civil_hash, full_name=demo.SIGNATORY_NAME)
    request = services.submit_needs_request(employer, "DEMO-100", nationality="KWT", occupation="2", workers=5)
    return employer, request


def labour_pages(language, request):
    """(name, path) of the employer's pages."""
    with translation.override(language):
        return [
            ("labour-establishments", reverse("labour:my_establishments")),
            ("labour-standing", reverse("labour:establishment", args=["DEMO-100"])),
            ("labour-needs-new", reverse("labour:needs_new", args=["DEMO-100"])),
            ("labour-needs-mine", reverse("labour:my_needs_requests")),
            ("labour-needs-request", reverse("labour:needs_request", args=[request.reference])),
        ]
