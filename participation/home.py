"""What civic participation adds to the home page (cms/home.py): the consultations open now, and the petitions
that are near a threshold."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cms.home import HomeSection, register
from core import pagecache
from core.cache import REMEMBER_SECONDS, remembered

from .models import ParticipationIndexPage
from .selectors import petitions as selectors
from .selectors.consultations import public_consultations

HOME_CONSULTATIONS = 4
HOME_PETITIONS = 3


def _consultations(request, page):
    """The consultations open now, the soonest to close first (as `open_consultations`). What the database says is
    kept until the next purge (a consultation published, unpublished, moved or restricted: cms/cache.py): the index
    page's link and every public consultation not yet closed (open or forthcoming), each as the link it shows.
    Which of them are open is decided here on each request, so that one opens and closes at its time without a
    publish; one that has closed never opens again without one."""
    language = page.locale.language_code
    kept = pagecache.fragment(
        "home-consultations", (request.get_host(), page.pk, language), lambda: _not_closed(request, page, language)
    )
    now = timezone.now()
    consultations = [item for item in kept["consultations"] if item.opens_at <= now < item.closes_at]
    if not kept["index_url"] and not consultations:
        return None
    return {"index_url": kept["index_url"], "consultations": consultations[:HOME_CONSULTATIONS]}


@dataclass(frozen=True)
class ConsultationLink:
    """What the home page shows of a consultation (participation/home/consultations.html)."""

    pk: int
    url: str
    title: str
    summary: str
    authority_name: str
    opens_at: datetime
    closes_at: datetime


def _not_closed(request, page, language):
    index = ParticipationIndexPage.objects.live().child_of(page).first()
    pages = public_consultations(language).filter(closes_at__gt=timezone.now()).order_by("closes_at", "pk")
    return {
        "index_url": index.get_url(request) if index is not None else None,
        "consultations": [
            ConsultationLink(
                pk=consultation.pk,
                url=consultation.get_url(request),
                title=consultation.title,
                summary=consultation.summary,
                authority_name=consultation.authority.name,
                opens_at=consultation.opens_at,
                closes_at=consultation.closes_at,
            )
            for consultation in pages
        ],
    }


def _petitions(request, page):
    # The busiest page: the list (a count per candidate) is kept in the process for a few seconds, no longer than
    # the counts themselves may lag (core.cache.remembered).
    near = remembered(
        f"participation:home:near-threshold:{page.locale.language_code}",  # authorities named in the page's language
        lambda: selectors.petitions_near_threshold(HOME_PETITIONS),
        seconds=min(REMEMBER_SECONDS, selectors.count_lag_seconds()),
    )
    return {"near": near}


register(HomeSection("consultations", "participation/home/consultations.html", _consultations, order=20))
register(HomeSection("petitions", "participation/home/petitions.html", _petitions, order=30))
