"""Helpers for the comment and moderation tests (no tests here): pages to comment on. Events are recorded with
tests/event_recorder.py."""

from wagtail.models import Locale

from tests import factories

# Pages to comment on are the factories' (tests/factories.py).
make_consultation = factories.consultation
make_poll = factories.poll


def translate(page, language="en"):
    """The page's translation (a live copy in `language`), parents copied as needed."""
    copy = page.copy_for_translation(Locale.objects.get(language_code=language), copy_parents=True)
    copy.save_revision().publish()
    return type(page).objects.get(pk=copy.pk)


def service_pair():
    """An Arabic service page and its English translation."""
    arabic = factories.service()
    return arabic, factories.translation(arabic)


def paragraph_id(consultation, index=1):
    return consultation.body[index].id
