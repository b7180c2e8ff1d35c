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
        ]
        try:
            pages.append(("search", reverse("search_page") + "?q=%D8%A5%D8%B0%D9%86"))
        except NoReverseMatch:
            pass  # the public search page is not there yet (docs/accessibility.md)
    return pages
