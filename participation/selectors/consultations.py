"""Reads about consultations: which are public, their questions as a citizen sees them (in the page's
language, keyed by the original page's keys), a citizen's response, counts per question, and the rows of
an export.

A consultation is one thing in two languages: responses and comments belong to the original page of the
translation set, and a translated page only lends its wording (question texts, choice labels) by key."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from cms import cache
from identity.receipts import pseudonymous_subject

from ..models import (
    Comment,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationResponse,
    Phase,
    PollPage,
    QuestionKind,
)

EXPORT_CHUNK = 500


def public_consultations(language=None):
    """Live, public consultation pages (every language, or one); the view restrictions from the cache (cms.cache.public)."""
    pages = cache.public(ConsultationPage.objects.live()).select_related("authority", "locale")
    if language:
        pages = pages.filter(locale__language_code=language)
    return pages.order_by("-opens_at", "pk")


def open_consultations(language, limit=None):
    """Consultations open for responses now in one language, the soonest to close first."""
    now = timezone.now()
    pages = public_consultations(language).filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at", "pk")
    return pages[:limit] if limit else pages


def public_consultation(page_id):
    return public_consultations().filter(pk=page_id).first()


@dataclass(frozen=True)
class Question:
    """A question as shown on one page: the original's key, kind and rules, the page's own wording.
    `choices` are (value, label) pairs: the value is the original page's choice (what is stored), the label
    the one at the same place on the page shown."""

    key: str
    text: str
    help_text: str
    kind: str
    required: bool
    scale_max: int
    choices: tuple = field(default_factory=tuple)

    @property
    def values(self):
        return [value for value, _label in self.choices]


def _questions(page):
    return list(ConsultationQuestion.objects.filter(page=page).order_by("sort_order", "pk"))


def questions(page):
    """The original page's questions, in its order, worded as on `page`."""
    original = page.original()
    rules = _questions(original)
    wording = {question.key: question for question in _questions(page)} if original.pk != page.pk else {}
    shown = []
    for rule in rules:
        words = wording.get(rule.key, rule)
        values = rule.choice_list
        labels = words.choice_list if len(words.choice_list) == len(values) else values
        choices = (
            tuple(zip(values, labels, strict=True)) if rule.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else ()
        )
        shown.append(
            Question(
                key=rule.key,
                text=words.text,
                help_text=words.help_text,
                kind=rule.kind,
                required=rule.required,
                scale_max=rule.scale_max,
                choices=choices,
            )
        )
    return shown


def response_of(user, page):
    """The citizen's response to this consultation (through any of its translations), or None."""
    if user is None or not user.is_authenticated:
        return None
    return ConsultationResponse.objects.filter(consultation=page.original(), user=user).first()


def response_count(page):
    return ConsultationResponse.objects.filter(consultation=page.original()).count()


def paragraph_comment_counts(page):
    """{block id: visible comments on that paragraph} for the consultation behind `page`."""
    rows = (
        Comment.objects.filter(
            consultation=page.original(), state=Comment.State.VISIBLE, deleted_at__isnull=True, paragraph__gt=""
        )
        .values("paragraph")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["paragraph"]: row["n"] for row in rows}


def _answers(page):
    responses = ConsultationResponse.objects.filter(consultation=page.original())
    return responses.values_list("answers", flat=True).order_by("pk").iterator(chunk_size=EXPORT_CHUNK)


def tally(page):
    """Counts per question, worded as on `page`: how many answered it and, for choices and scales, how
    many chose each value. Free-text answers are counted, never shown."""
    shown = questions(page)
    answered = Counter()
    chosen = {question.key: Counter() for question in shown}
    total = 0
    for answers in _answers(page):
        total += 1
        for question in shown:
            answer = (answers or {}).get(question.key)
            if answer in (None, "", []):
                continue
            answered[question.key] += 1
            if question.kind == QuestionKind.MULTIPLE:
                chosen[question.key].update(answer if isinstance(answer, list) else [answer])
            elif question.kind != QuestionKind.TEXT:
                chosen[question.key][answer] += 1
    rows = []
    for question in shown:
        if question.kind == QuestionKind.SCALE:
            options = [(value, str(value)) for value in range(1, question.scale_max + 1)]
        else:
            options = list(question.choices)
        counts = [{"value": value, "label": label, "count": chosen[question.key][value]} for value, label in options]
        points = sum(value * chosen[question.key][value] for value, _ in options) if question.kind == "scale" else 0
        mean = (
            round(points / answered[question.key], 2) if question.kind == "scale" and answered[question.key] else None
        )
        rows.append(
            {
                "key": question.key,
                "text": question.text,
                "kind": question.kind,
                "kind_label": QuestionKind(question.kind).label,
                "answered": answered[question.key],
                "counts": counts,
                "mean": mean,
            }
        )
    return {"responses": total, "questions": rows}


def respondent_pseudonym(response):
    """Who answered, as an export shows it: stable within one consultation, unlinkable across them."""
    return pseudonymous_subject(response["user_id"], f"consultation:{response['consultation_id']}")[:12]


def export_rows(page):
    """The header and then one row per response (pseudonymous respondent, times, one column per question),
    read in chunks so a large consultation streams."""
    shown = questions(page)
    yield ["respondent", "submitted", "changed", *(question.key for question in shown)]
    responses = (
        ConsultationResponse.objects.filter(consultation=page.original())
        .order_by("pk")
        .values("user_id", "consultation_id", "answers", "created_at", "updated_at")
    )
    for response in responses.iterator(chunk_size=EXPORT_CHUNK):
        answers = response["answers"] or {}
        cells = []
        for question in shown:
            answer = answers.get(question.key)
            if isinstance(answer, list):
                answer = "; ".join(str(item) for item in answer)
            cells.append("" if answer is None else answer)
        yield [
            respondent_pseudonym(response),
            response["created_at"].isoformat(timespec="seconds"),
            response["updated_at"].isoformat(timespec="seconds"),
            *cells,
        ]


def _pages_by_phase(pages):
    grouped = {Phase.OPEN: [], Phase.FORTHCOMING: [], Phase.CLOSED: []}
    for page in pages:
        phase = Phase.CLOSED if page.phase == Phase.OUTCOME else page.phase
        grouped[phase].append(page)
    return grouped


def participation_listing(index_page):
    """The consultations and polls under a participation index page, live and public, grouped into open,
    forthcoming and closed (closed includes consultations whose outcome is published)."""
    consultations = ConsultationPage.objects.child_of(index_page).live().public().select_related("authority")
    polls = PollPage.objects.child_of(index_page).live().public().select_related("authority")
    return {
        "consultations": _pages_by_phase(consultations.order_by("closes_at", "pk")),
        "polls": _pages_by_phase(polls.order_by("closes_at", "pk")),
    }
