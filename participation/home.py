"""What civic participation adds to the home page (cms/home.py): the consultations open now, and the petitions
that are near a threshold."""

from cms.home import HomeSection, register
from core.cache import REMEMBER_SECONDS, remembered

from .models import ParticipationIndexPage
from .selectors import petitions as selectors
from .selectors.consultations import open_consultations

HOME_CONSULTATIONS = 4
HOME_PETITIONS = 3


def _consultations(request, page):
    index = ParticipationIndexPage.objects.live().child_of(page).first()
    consultations = list(open_consultations(page.locale.language_code, limit=HOME_CONSULTATIONS))
    if index is None and not consultations:
        return None
    return {"index": index, "consultations": consultations}


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
