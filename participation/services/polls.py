"""Every write to polls, each in a transaction: casting a ballot, or replacing it while the poll is open.

A ballot is secret. Its row holds `voter`, a keyed hash (HMAC-SHA256) of the poll and the person, and the
date it was cast — never a reference to the person and never a time of day. The hash lets the same person
find and replace their own ballot, and the unique constraint on (poll, voter) keeps one ballot per person
even when requests race. Nothing on a vote is announced (see docs/events.md) and the receipt never names
the choice. See docs/participation-polls.md.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from identity.models import Action
from identity.receipts import issue_receipt, pseudonymous_subject

from ..models import Ballot, BallotChoice, PollKind, ResultsShown
from ..selectors.polls import original_of, voter_hashes
from .common import ParticipationError, guard

RECEIPT_KIND = "ballot.cast"


# --- Refusals ----------------------------------------------------------------------------------------


class PollError(ParticipationError):
    code = "poll_error"

    def default_message(self):
        return _("This cannot be done in this poll.")


class PollNotOpen(PollError):
    status = 409
    code = "poll_not_open"

    def default_message(self):
        return _("This poll is not open for voting.")


class InvalidBallot(PollError):
    code = "invalid_ballot"

    def default_message(self):
        return _("This ballot cannot be accepted.")


class ResultsNotAvailable(PollError):
    status = 403
    code = "results_not_available"

    def default_message(self):
        return _("The results of this poll are not shown yet.")


# --- Rules every caller shares -----------------------------------------------------------------------


def action_for(poll):
    """The assurance action voting needs: a binding poll asks for more."""
    return Action.BINDING_POLL_VOTE if original_of(poll).binding else Action.POLL_VOTE


def results_available(poll, now=None):
    """Whether the results of `poll` may be shown to anyone: from the opening for live results, else from
    the closing. The scheduler announces `poll.results_available` when this first becomes true."""
    original = original_of(poll)
    now = now or timezone.now()
    if original.results_shown == ResultsShown.LIVE:
        return now >= original.opens_at
    return now >= original.closes_at


def check_results_available(poll, now=None):
    if not results_available(poll, now):
        original = original_of(poll)
        when = formats.date_format(timezone.localtime(original.closes_at), "DATETIME_FORMAT")
        if original.results_shown == ResultsShown.LIVE:
            when = formats.date_format(timezone.localtime(original.opens_at), "DATETIME_FORMAT")
            raise ResultsNotAvailable(
                _("The results of this poll are shown once it opens, on %(when)s.") % {"when": when}
            )
        raise ResultsNotAvailable(
            _("The results of this poll are shown after it closes, on %(when)s.") % {"when": when}
        )


def check_open(poll, now=None):
    original = original_of(poll)
    now = now or timezone.now()
    if not poll.live or not original.live:
        raise PollNotOpen()
    if now < original.opens_at:
        when = formats.date_format(timezone.localtime(original.opens_at), "DATETIME_FORMAT")
        raise PollNotOpen(_("This poll opens for voting on %(when)s.") % {"when": when})
    if now >= original.closes_at:
        raise PollNotOpen(
            _("This poll is closed: voting ended on %(when)s.")
            % {"when": formats.date_format(timezone.localtime(original.closes_at), "DATETIME_FORMAT")}
        )


def choice_bounds(poll):
    """(fewest, most) options a ballot names, from the original page. A single choice is exactly one;
    for multiple choice and ranked polls an empty maximum means every option."""
    original = original_of(poll)
    count = original.options.count()
    if original.kind == PollKind.SINGLE:
        return 1, 1
    most = count if original.max_choices is None else min(original.max_choices, count)
    return min(original.min_choices, most), most


def validate_choices(poll, choices):
    """The ballot's choices as [(original option, rank or None)], or `InvalidBallot` saying what is wrong.

    `choices` is a list of (option key, rank) pairs; the keys are the stable keys that translations share,
    so a ballot made on the English page names the options of the original page. A ranking must number the
    options it ranks 1, 2, … n with no gaps or repeats, n between the poll's fewest and most."""
    original = original_of(poll)
    options = {option.key: option for option in original.options.all()}
    picked = []
    seen = set()
    for key, rank in choices:
        key = str(key or "").strip()
        if key not in options:
            raise InvalidBallot(_("There is no option “%(key)s” in this poll.") % {"key": key[:50]})
        if key in seen:
            raise InvalidBallot(_("Each option can be chosen only once."))
        seen.add(key)
        picked.append((options[key], rank))

    fewest, most = choice_bounds(poll)
    count = len(picked)
    if original.kind == PollKind.SINGLE:
        if count != 1:
            raise InvalidBallot(_("Choose exactly one option."))
    elif count < fewest:
        raise InvalidBallot(
            ngettext("Choose at least %(count)d option.", "Choose at least %(count)d options.", fewest)
            % {"count": fewest}
        )
    elif count > most:
        raise InvalidBallot(
            ngettext("Choose at most %(count)d option.", "Choose at most %(count)d options.", most) % {"count": most}
        )

    if original.kind != PollKind.RANKED:
        if any(rank is not None for _option, rank in picked):
            raise InvalidBallot(_("Only a ranked poll takes ranks."))
        return [(option, None) for option, _rank in picked]

    ranks = []
    for _option, rank in picked:
        if isinstance(rank, bool) or not isinstance(rank, int):
            raise InvalidBallot(_("Give every option you rank a number: 1 for your first preference."))
        ranks.append(rank)
    if len(set(ranks)) != len(ranks):
        raise InvalidBallot(_("Two options have the same rank. Give each option its own number."))
    if sorted(ranks) != list(range(1, count + 1)):
        raise InvalidBallot(
            _("Number your preferences 1 to %(count)d without gaps: 1 for your first preference.") % {"count": count}
        )
    return sorted(picked, key=lambda pair: pair[1])


# --- Casting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastBallot:
    ballot: Ballot
    receipt: str
    replaced: bool


def _claim_ballot(original, hashes):
    """The person's ballot row, locked, created if they have none: (ballot, created).

    Racing requests of one person all try the INSERT; the unique constraint lets exactly one through and
    the others, inside a savepoint, take the row it made. Locking the row (a no-op on SQLite, which locks
    the whole database for a writer anyway) makes the replacements of its choices happen one at a time."""
    existing = Ballot.objects.select_for_update().filter(poll=original, voter__in=hashes).first()
    if existing is not None:
        if existing.voter != hashes[0]:
            existing.voter = hashes[0]  # cast under a retired key: re-key it to the current one
        return existing, False
    try:
        with transaction.atomic():
            return Ballot.objects.create(poll=original, voter=hashes[0]), True
    except IntegrityError:
        return Ballot.objects.select_for_update().get(poll=original, voter=hashes[0]), False


def cast_ballot(user, poll, choices, request=None, *, now=None):
    """Cast `user`'s ballot in `poll` (any translation of it), or replace the one they cast before, and
    return it with a signed receipt. `choices` is a list of (option key, rank or None).

    One transaction: the ballot row is found or made, its choices are replaced, the receipt is signed. A
    refusal (closed poll, too few or too many choices, a ranking with gaps, too low an assurance level)
    raises a `PollError` or another `ParticipationError` and writes nothing."""
    guard(user, request, action_for(poll), rate="vote")
    check_open(poll, now)
    picked = validate_choices(poll, choices)
    original = original_of(poll)
    with transaction.atomic():
        ballot, created = _claim_ballot(original, voter_hashes(original.pk, user.pk))
        if not created:
            ballot.save(update_fields=["voter", "cast_on"])  # cast_on is a date: no time of day is kept
        BallotChoice.objects.filter(ballot=ballot).delete()
        BallotChoice.objects.bulk_create(
            [BallotChoice(ballot=ballot, option=option, rank=rank) for option, rank in picked]
        )
        receipt = issue_receipt(
            RECEIPT_KIND,
            subject=pseudonymous_subject(user.pk, f"poll:{original.pk}"),
            reference=f"poll:{original.pk}",
            title=original.title,
        )
    return CastBallot(ballot=ballot, receipt=receipt, replaced=not created)
