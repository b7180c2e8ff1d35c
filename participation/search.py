"""What participation makes searchable: petitions while they are public (open or closed). The petition
events that services.py announces keep the index in step."""

import html
import re

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from search.registry import SearchRecord, SearchSource, register

from .models import Petition

_TAG = re.compile(r"<[^>]*>")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
PUBLIC_STATES = (Petition.State.OPEN, Petition.State.CLOSED)


def _text(value):
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


def petition_language(petition):
    """A petition is written once, by a citizen, in one language: the one its words are in."""
    return "ar" if _ARABIC.search(f"{petition.title} {petition.body}") else "en"


class PetitionSearch(SearchSource):
    kind = "petition"
    label = _("Petitions")
    events = (
        "petition.opened",
        "petition.closed",
        "petition.hidden",
        "petition.rejected",
        "petition.responded",
    )

    def ids_from_event(self, event):
        petition_id = event.payload.get("petition_id")
        return [petition_id] if petition_id is not None else []

    def _petitions(self, ids=None):
        petitions = Petition.objects.filter(state__in=PUBLIC_STATES)
        if ids is not None:
            petitions = petitions.filter(pk__in=[int(pk) for pk in ids if str(pk).isdigit()])
        return petitions

    def records(self, ids=None):
        for petition in self._petitions(ids).select_related("authority").order_by("pk").iterator(chunk_size=200):
            yield self.record(petition)

    def record(self, petition):
        language = petition_language(petition)
        with translation.override(language):
            url = reverse("participation:petition_detail", args=[petition.pk])
        return SearchRecord(
            kind=self.kind,
            source_id=str(petition.pk),
            locale=language,
            title=petition.title,
            url=url,
            summary=_text(petition.body)[:300],
            body="\n".join(text for text in (_text(petition.body), _text(petition.government_response)) if text),
            authority=petition.authority.code,
            status=petition.state,
            date=petition.opened_at,
        )

    def public_ids(self, ids):
        return {str(pk) for pk in self._petitions(ids).values_list("pk", flat=True)}

    def count(self):
        return self._petitions().count()


register(PetitionSearch())
