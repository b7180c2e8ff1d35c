"""What participation makes searchable: petitions while they are public (open or closed), and the live,
public consultation and poll pages (every phase). The petition events that services.py announces, and the
page and consultation/poll events, keep the index in step.

Imported when Django starts (search autodiscovers it), so it also connects the one page signal
participation needs whatever publishes a page (the admin, a command, a scheduled publication): announcing a
consultation's outcome, once."""

import html
import re

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cms import cache
from search.registry import PAGE_EVENTS, PageSource, SearchRecord, SearchSource, register

from .models import ConsultationPage, Petition, PollPage

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
        "petition.restored",
        "petition.rejected",
        "petition.responded",
    )

    def ids_from_event(self, event):
        petition_id = event.payload.get("petition_id")
        return [petition_id] if petition_id is not None else []

    # A petition is indexed in its own language, as `<id>`; one written only in Latin letters is also indexed for
    # the Arabic search, as `<id>:ar` (a citizen searching in Arabic may type a Latin name or word).
    ALSO_IN = "ar"

    @staticmethod
    def _pk(entry_id):
        head = str(entry_id).split(":", 1)[0]
        return int(head) if head.isdigit() and len(head) < 19 else None

    def entry_ids(self, source_id):
        return [str(source_id), f"{source_id}:{self.ALSO_IN}"]

    def _petitions(self, ids=None):
        petitions = Petition.objects.filter(state__in=PUBLIC_STATES)
        if ids is not None:
            petitions = petitions.filter(pk__in={pk for pk in map(self._pk, ids) if pk is not None})
        return petitions

    def records(self, ids=None):
        for petition in self._petitions(ids).select_related("authority").order_by("pk").iterator(chunk_size=200):
            language = petition_language(petition)
            yield self.record(petition, language)
            if language != self.ALSO_IN:
                yield self.record(petition, self.ALSO_IN, source_id=f"{petition.pk}:{self.ALSO_IN}")

    def record(self, petition, language=None, source_id=None):
        language = language or petition_language(petition)
        with translation.override(language):
            url = reverse("participation:petition_detail", args=[petition.pk])
        return SearchRecord(
            kind=self.kind,
            source_id=source_id or str(petition.pk),
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
        public = set(self._petitions(ids).values_list("pk", flat=True))
        return {str(entry) for entry in ids if self._pk(entry) in public}

    def count(self):
        """Records, not petitions: a Latin-only petition is written twice."""
        texts = self._petitions().values_list("title", "body")
        return sum(1 + (not _ARABIC.search(f"{title} {body}")) for title, body in texts.iterator(chunk_size=2000))


register(PetitionSearch())


class ParticipationPageSearch(PageSource):
    """Live, public pages of one participation page model, each in its own language. `status` is the
    phase; the scheduled phase events (named by the original page) re-read every translation."""

    related = ("authority", "locale")
    restricted_paths = staticmethod(cache.view_restricted_paths)  # kept until they change

    def ids_from_event(self, event):
        if "page_id" in event.payload:
            original = Page.objects.filter(pk=event.payload["page_id"]).values_list("translation_key", flat=True)
            return list(self.model.objects.filter(translation_key=original.first()).values_list("pk", flat=True))
        return super().ids_from_event(event)

    def texts(self, page):
        return [page.summary]

    def record(self, page):
        return self.page_record(
            page,
            summary=page.summary,
            body="\n".join(text for text in (page.authority.name, *self.texts(page)) if text),
            authority=page.authority.code,
            status=str(page.phase),
            date=page.opens_at,
        )


class ConsultationSearch(ParticipationPageSearch):
    kind = "consultation"
    label = _("Consultations")
    model = ConsultationPage
    events = PAGE_EVENTS + (
        "consultation.opened",
        "consultation.closed",
        "consultation.outcome_published",
    )

    def texts(self, page):
        draft = [
            _text(str(block.value.source if block.block_type == "paragraph" else block.value)) for block in page.body
        ]
        questions = [question.text for question in page.questions.all()]
        outcome = [_text(page.outcome_summary)] if page.phase == "outcome" else []
        return [page.summary, *draft, *questions, *outcome]


class PollSearch(ParticipationPageSearch):
    kind = "poll"
    label = _("Polls")
    model = PollPage
    events = PAGE_EVENTS + ("poll.opened", "poll.closed")

    def texts(self, page):
        return [page.summary, *(option.label for option in page.options.all())]


register(ConsultationSearch())
register(PollSearch())
