"""Helpers for the comment and moderation tests (no tests here): pages to comment on. Events are recorded with
tests/event_recorder.py."""

from datetime import timedelta

from django.utils import timezone
from wagtail.models import Locale
from wagtail.rich_text import RichText

from cms.models import HomePage, ServicePage
from participation.models import ConsultationPage, ParticipationIndexPage, PollPage


def participation_index(language="ar"):
    home = HomePage.objects.get(locale__language_code=language, depth=2)
    index = ParticipationIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=ParticipationIndexPage(title="شارك", slug=f"participate-{language}"))
        index.save_revision().publish()
    return index


def make_consultation(authority, *, open_now=True, title="مشروع لائحة العمل عن بعد"):
    now = timezone.now()
    opens = now - timedelta(days=1) if open_now else now - timedelta(days=20)
    page = ConsultationPage(
        title=title,
        slug=f"consultation-{ConsultationPage.objects.count() + 1}-{int(now.timestamp())}",
        authority=authority,
        summary="نستشيركم في مشروع اللائحة.",
        opens_at=opens,
        closes_at=now + timedelta(days=30) if open_now else now - timedelta(days=1),
        body=[
            ("heading", "المادة الأولى"),
            ("paragraph", RichText("<p>يجوز العمل عن بعد يومين في الأسبوع.</p>")),
            ("paragraph", RichText("<p>تحدد الجهة الأعمال التي تؤدى عن بعد.</p>")),
        ],
    )
    participation_index().add_child(instance=page)
    page.save_revision().publish()
    return ConsultationPage.objects.get(pk=page.pk)


def translate(page, language="en"):
    """The page's translation (a live copy in `language`), parents copied as needed."""
    copy = page.copy_for_translation(Locale.objects.get(language_code=language), copy_parents=True)
    copy.save_revision().publish()
    return type(page).objects.get(pk=copy.pk)


def make_poll(authority):
    now = timezone.now()
    page = PollPage(
        title="أفضل موعد لساعات العمل الصيفية",
        slug=f"poll-{PollPage.objects.count() + 1}-{int(now.timestamp())}",
        authority=authority,
        summary="اختر الموعد الأنسب.",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
    )
    participation_index().add_child(instance=page)
    page.save_revision().publish()
    return PollPage.objects.get(pk=page.pk)


def service_pair():
    """An Arabic service page of the demo catalogue and its English translation."""
    arabic = ServicePage.objects.live().filter(locale__language_code="ar").order_by("pk").first()
    english = ServicePage.objects.live().get(translation_key=arabic.translation_key, locale__language_code="en")
    return arabic, english


def paragraph_id(consultation, index=1):
    return consultation.body[index].id
