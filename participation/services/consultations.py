"""Every write about consultations: a citizen's response (one per person, replaced while the consultation
is open) and announcing, once, that the ministry published the outcome.

Answers are checked strictly against the questions of the *original* page of the translation set, which
is also the page the response belongs to; a translated page only changes the wording."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import let_ministries_add_under, put_under_review
from identity.models import Action

from ..models import Announcement, ConsultationPage, ConsultationResponse, Phase, QuestionKind
from ..selectors import consultations as selectors
from .common import Conflict, InvalidInput, announce, guard

MAX_TEXT_ANSWER = 5000


class ConsultationNotOpen(Conflict):
    code = "consultation_not_open"

    def __init__(self, page):
        self.page = page
        super().__init__()

    def default_message(self):
        if timezone.now() < self.page.opens_at:
            return _("This consultation is not open yet; it opens on %(date)s.") % {
                "date": timezone.localtime(self.page.opens_at).strftime("%Y-%m-%d %H:%M")
            }
        return _("This consultation is closed; responses can no longer be given or changed.")


class InvalidAnswer(InvalidInput):
    """An answer that does not fit its question; `field` is the question's key."""

    code = "invalid_answer"


def clean_answers(page, answers):
    """The answers as stored, checked against the original page's questions; `InvalidAnswer` naming the
    first question that is wrong. Empty answers to optional questions are left out."""
    if not isinstance(answers, dict):
        raise InvalidAnswer(_("The answers must map each question's key to an answer."))
    shown = selectors.questions(page)
    known = {question.key for question in shown}
    unknown = sorted(str(key) for key in answers if key not in known)
    if unknown:
        raise InvalidAnswer(
            _("There is no question “%(key)s” in this consultation.") % {"key": unknown[0]}, field=unknown[0]
        )
    cleaned = {}
    for question in shown:
        answer = _clean_answer(question, answers.get(question.key))
        if answer is None:
            if question.required:
                raise InvalidAnswer(
                    _("“%(question)s” needs an answer.") % {"question": question.text}, field=question.key
                )
            continue
        cleaned[question.key] = answer
    return cleaned


def _clean_answer(question, answer):
    """One answer in its stored form, or None when it is empty."""

    def wrong(message):
        return InvalidAnswer(f"{question.text}: {message}", field=question.key)

    if answer is None or answer == "" or answer == []:
        return None
    if question.kind == QuestionKind.TEXT:
        if not isinstance(answer, str):
            raise wrong(_("the answer must be text."))
        answer = answer.replace("\x00", "").strip()
        if len(answer) > MAX_TEXT_ANSWER:
            raise wrong(_("the answer can have at most %(limit)d characters.") % {"limit": MAX_TEXT_ANSWER})
        return answer or None
    if question.kind == QuestionKind.SINGLE:
        if not isinstance(answer, str):
            raise wrong(_("choose one of the choices offered."))
        if answer not in question.values:
            raise wrong(_("“%(choice)s” is not one of the choices offered.") % {"choice": answer[:100]})
        return answer
    if question.kind == QuestionKind.MULTIPLE:
        if not isinstance(answer, list) or not all(isinstance(item, str) for item in answer):
            raise wrong(_("the answer must be a list of the choices offered."))
        for item in answer:
            if item not in question.values:
                raise wrong(_("“%(choice)s” is not one of the choices offered.") % {"choice": item[:100]})
        if len(set(answer)) != len(answer):
            raise wrong(_("each choice can be chosen once."))
        return [value for value in question.values if value in answer]  # the page's order
    if question.kind == QuestionKind.SCALE:
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise wrong(_("the answer must be a whole number."))
        if not 1 <= answer <= question.scale_max:
            raise wrong(_("the answer must be from 1 to %(max)d.") % {"max": question.scale_max})
        return answer
    raise wrong(_("this question cannot be answered."))


@dataclass(frozen=True)
class SavedResponse:
    response: ConsultationResponse
    created: bool


def respond_to_consultation(user, page, answers, request=None):
    """Store the citizen's answers to the consultation behind `page` (any of its translations): a first
    response, or a replacement of their earlier one while the consultation is open. One row per person and
    consultation, by the database's unique constraint, even when the same answers arrive twice at once."""
    guard(user, request, Action.CONSULTATION_RESPOND)
    original = page.original()
    if not original.is_open():
        raise ConsultationNotOpen(original)
    cleaned = clean_answers(page, answers)
    for attempt in range(2):
        try:
            with transaction.atomic():
                response, created = ConsultationResponse.objects.update_or_create(
                    consultation=original, user=user, defaults={"answers": cleaned}
                )
                announce("consultation.responded", page_id=original.pk, user_id=user.pk)
            return SavedResponse(response, created)
        except IntegrityError:
            # Two first responses raced past each other: the other one is stored; replace it.
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- Launching -------------------------------------------------------------------------------------


@transaction.atomic
def let_ministries_launch(indexes, codes=None):
    """Every ministry's editors (or those of `codes`) may launch consultations and polls under the participation
    sections `indexes` and change those they launched, never publish them: the portal's approvers review and
    publish them (the ministry review workflow), as they do the catalogue's pages."""
    let_ministries_add_under(indexes, codes=codes)
    put_under_review(indexes)


# --- Outcome ---------------------------------------------------------------------------------------


def announce_outcome_once(page):
    """After a consultation page is published: if its outcome is published, announce it, once per
    consultation. The unique Announcement key makes a second publication (or a second language) silent."""
    page = page.specific if not isinstance(page, ConsultationPage) else page
    if not isinstance(page, ConsultationPage) or page.phase != Phase.OUTCOME:
        return False
    original = page.original()
    with transaction.atomic():
        try:
            with transaction.atomic():
                Announcement.objects.create(key=f"consultation:{original.pk}:outcome_published")
        except IntegrityError:
            return False
        announce("consultation.outcome_published", page_id=original.pk)
    return True
