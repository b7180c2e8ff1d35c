"""Building consultations for the consultation tests: an Arabic page (the original) under the participation
section of the Arabic home page, and optionally its English translation with the same question keys and
paragraph ids."""

import itertools
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from participation.models import ConsultationPage, ConsultationQuestion
from tests.event_recorder import EventRecorder
from tests.factories import authority as make_authority
from tests.factories import participation_index

_slugs = itertools.count(1)

QUESTIONS = [
    {"key": "support", "kind": "single", "required": True, "ar": ["أؤيد", "لا أؤيد"], "en": ["Yes", "No"]},
    {"key": "clarity", "kind": "scale", "required": True, "scale_max": 5},
    {
        "key": "articles",
        "kind": "multiple",
        "required": False,
        "ar": ["الأولى", "الثانية", "الثالثة"],
        "en": ["1", "2", "3"],
    },
    {"key": "remarks", "kind": "text", "required": False},
]
PARAGRAPH_1 = str(uuid.UUID(int=1))
PARAGRAPH_2 = str(uuid.UUID(int=2))
HEADING = str(uuid.UUID(int=3))


def _page(language, key, opens, closes, outcome, title):
    authority = make_authority("MSAL", language=language)
    now = timezone.now()
    page = ConsultationPage(
        title=title,
        slug=f"consultation-{next(_slugs)}",
        translation_key=key,
        locale=authority.locale,
        authority=authority,
        summary="ملخص المشروع" if language == "ar" else "Summary of the draft",
        opens_at=now + timedelta(days=opens),
        closes_at=now + timedelta(days=closes),
        body=[
            {"type": "heading", "value": "المادة الأولى" if language == "ar" else "Article 1", "id": HEADING},
            {"type": "paragraph", "value": "<p>الفقرة الأولى من المشروع.</p>", "id": PARAGRAPH_1},
            {"type": "paragraph", "value": "<p>الفقرة الثانية من المشروع.</p>", "id": PARAGRAPH_2},
        ],
        outcome_summary="<p>قررت الوزارة اعتماد المشروع مع تعديل.</p>" if outcome else "",
        outcome_published_at=now - timedelta(hours=1) if outcome else None,
    )
    page.questions = [
        ConsultationQuestion(
            key=question["key"],
            text=f"{question['key']} ({language})",
            kind=question["kind"],
            required=question["required"],
            scale_max=question.get("scale_max", 5),
            choices="\n".join(question.get(language, [])),
            sort_order=position,
        )
        for position, question in enumerate(QUESTIONS)
    ]
    participation_index(language).add_child(instance=page)
    page.save_revision().publish()
    return page


def make_consultation(*, opens=-1, closes=30, outcome=False, english=False, title="مشروع لائحة الراحة الأسبوعية"):
    """The Arabic consultation page; with `english`, (arabic, english) pages of one translation set."""
    key = uuid.uuid4()
    arabic = _page("ar", key, opens, closes, outcome, title)
    if not english:
        return arabic
    return arabic, _page("en", key, opens, closes, outcome, "Draft regulation on weekly rest")


GOOD_ANSWERS = {"support": "أؤيد", "clarity": 4, "articles": ["الثانية", "الأولى"], "remarks": "  اقتراح واضح  "}


@contextmanager
def announced():
    """The participation events announced (and delivered on commit) inside the block, as (name, payload)."""
    with EventRecorder("consultation.responded", "consultation.outcome_published") as recorder:
        yield recorder.heard
