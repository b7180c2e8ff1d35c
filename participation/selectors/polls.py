"""Reads of polls: which polls are shown, a voter's own ballot, and the results.

Results are counted from the ballot choices (one indexed GROUP BY per option, or one ordered read of the
rankings), never from a counter on a shared row, and kept in the cache for `POLL_RESULTS_LAG_SECONDS`.
Ranked polls are counted by instant-runoff; docs/participation-polls.md says why and how ties are broken.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

from ..models import Ballot, BallotChoice, PollKind, PollPage

DEFAULT_RESULTS_LAG_SECONDS = 5


def original_of(poll):
    """The original page of the poll's translation set (ballots belong to it)."""
    return poll.original()


def live_polls(language=None):
    """Published polls in `language` (the active one by default), the latest to open first."""
    language = language or get_language()
    return (
        PollPage.objects.live()
        .filter(locale__language_code=language)
        .select_related("authority")
        .order_by("-opens_at", "-pk")
    )


def live_poll(pk):
    """The published poll page `pk` (in any language), or None."""
    return PollPage.objects.live().filter(pk=pk).select_related("authority").first()


def options_of(poll):
    """The options as the page `poll` shows them: [(key, label)] in the editor's order. A translation that
    lacks an option (or was not re-synced) shows the original's label for it."""
    original = original_of(poll)
    labels = {option.key: option.label for option in poll.options.all()}
    return [(option.key, labels.get(option.key) or option.label) for option in original.options.all()]


def ballot_count(poll):
    return Ballot.objects.filter(poll=original_of(poll)).count()


VOTER_SALT = "participation.polls.voter"


# --- The voter's keyed hash --------------------------------------------------------------------------


def voter_hash(poll_id, user_id, secret=None):
    """HMAC-SHA256 of the poll (its original page) and the person, keyed from SECRET_KEY (or `secret`).
    64 hexadecimal characters. Without the key nobody can tell whose ballot a row is."""
    value = f"{poll_id}:{user_id}"
    return salted_hmac(VOTER_SALT, value, secret=secret or settings.SECRET_KEY, algorithm="sha256").hexdigest()


def voter_hashes(poll_id, user_id):
    """The hash under the current key first, then under each key in SECRET_KEY_FALLBACKS: a ballot cast
    before a key rotation is still found (and re-keyed), so a rotation never lets anyone vote twice."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    hashes = []
    for secret in secrets:
        digest = voter_hash(poll_id, user_id, secret)
        if digest not in hashes:
            hashes.append(digest)
    return hashes


def find_ballot(poll, user):
    """The person's own ballot in `poll`, or None. Only they can find it: it takes their user id."""
    if user is None or not user.is_authenticated:
        return None
    original = original_of(poll)
    return Ballot.objects.filter(poll=original, voter__in=voter_hashes(original.pk, user.pk)).first()


@dataclass(frozen=True)
class OwnBallot:
    cast_on: object
    choices: list  # [(key, label, rank or None)], first preference first on a ranked poll


def own_ballot(user, poll):
    """The voter's own ballot, for them alone: found by the keyed hash of their user id."""
    ballot = find_ballot(poll, user)
    if ballot is None:
        return None
    labels = dict(options_of(poll))
    rows = BallotChoice.objects.filter(ballot=ballot).select_related("option").order_by("rank", "option__sort_order")
    return OwnBallot(
        cast_on=ballot.cast_on,
        choices=[(row.option.key, labels.get(row.option.key, row.option.label), row.rank) for row in rows],
    )


# --- Results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionTally:
    key: str
    label: str
    votes: int
    percent: float  # of the ballots counted (for a ranked round: of the ballots still counting)
    outcome: str = ""  # "winner", "tied", "eliminated" or "" (ranked rounds and winners)


@dataclass(frozen=True)
class RunoffRound:
    number: int
    tallies: list
    continuing_ballots: int
    exhausted_ballots: int
    eliminated: list = field(default_factory=list)
    elected: list = field(default_factory=list)


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    kind: str
    ballots: int
    options: list  # OptionTally per option; on a ranked poll, first preferences
    rounds: list  # RunoffRound per round, ranked polls only
    winners: list  # keys; several when tied
    counted_at: object
    final: bool  # the poll has closed: these are the final results


def percent(part, whole):
    return round(part * 100 / whole, 1) if whole else 0.0


def instant_runoff(rankings, order):
    """Count ranked ballots by instant-runoff. `rankings` maps a ranking (a tuple of option keys, first
    preference first) to how many ballots gave it; `order` is every option key in the poll's order.

    Each round counts every ballot for its highest-ranked option still in the count. An option with more
    than half of the ballots still counting is elected. Otherwise the option with the fewest votes is
    eliminated; a tie for fewest is broken by the fewest votes in the round before (and so on back), then
    by the option listed last. When every option left has the same number of votes, they are tied.
    Returns [(counts, exhausted, eliminated key or None, elected keys)] per round."""
    continuing = list(order)
    history = []
    rounds = []
    while continuing:
        counts = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking, ballots in rankings.items():
            top = next((key for key in ranking if key in counts), None)
            if top is None:
                exhausted += ballots
            else:
                counts[top] += ballots
        counting = sum(counts.values())
        best = max(counts.values())
        if counting and best * 2 > counting:
            rounds.append((counts, exhausted, None, [key for key in continuing if counts[key] == best]))
            break
        if len(set(counts.values())) == 1:
            rounds.append((counts, exhausted, None, list(continuing) if counting else []))
            break
        fewest = min(counts.values())
        tied = [key for key in continuing if counts[key] == fewest]
        for earlier in reversed(history):
            if len(tied) == 1:
                break
            least = min(earlier[key] for key in tied)
            tied = [key for key in tied if earlier[key] == least]
        loser = tied[-1]  # still tied after every earlier round: the one listed last
        rounds.append((counts, exhausted, loser, []))
        history.append(counts)
        continuing.remove(loser)
    return rounds


def results_lag_seconds():
    return getattr(settings, "POLL_RESULTS_LAG_SECONDS", DEFAULT_RESULTS_LAG_SECONDS)


def _count(original):
    """The language-free count: ballots, votes per option key, and (ranked) the runoff rounds."""
    options = list(original.options.all())
    keys = {option.pk: option.key for option in options}
    order = [option.key for option in options]
    ballots = Ballot.objects.filter(poll=original).count()
    if original.kind != PollKind.RANKED:
        rows = (
            BallotChoice.objects.filter(option_id__in=keys).values("option_id").annotate(votes=Count("pk")).order_by()
        )
        votes = dict.fromkeys(order, 0)
        for row in rows:
            votes[keys[row["option_id"]]] = row["votes"]
        best = max(votes.values(), default=0)
        winners = [key for key in order if best and votes[key] == best]
        return {"ballots": ballots, "votes": votes, "rounds": [], "winners": winners}

    rankings = {}
    rows = (
        BallotChoice.objects.filter(option_id__in=keys)
        .order_by("ballot_id", "rank")
        .values_list("ballot_id", "option_id")
    )
    for ballot_id, option_id in rows.iterator(chunk_size=5000):
        rankings.setdefault(ballot_id, []).append(keys[option_id])
    tally = Counter(tuple(ranking) for ranking in rankings.values())
    rounds = instant_runoff(tally, order)
    first = rounds[0][0] if rounds else dict.fromkeys(order, 0)
    return {
        "ballots": ballots,
        "votes": {key: first.get(key, 0) for key in order},
        "rounds": [
            {"counts": counts, "exhausted": exhausted, "eliminated": eliminated, "elected": elected}
            for counts, exhausted, eliminated, elected in rounds
        ],
        "winners": rounds[-1][3] if rounds else [],
    }


def counted(original, now):
    lag = results_lag_seconds()
    if lag <= 0:
        return {**_count(original), "at": now}
    key = f"participation:poll:{original.pk}:results"
    found = cache.get(key)
    if found is None:
        found = {**_count(original), "at": now}
        # Once closed the count no longer changes; keep it for an hour.
        cache.set(key, found, timeout=3600 if now >= original.closes_at else lag)
    return found


def poll_results(poll, now=None):
    """The results of `poll` labelled in the language of the page `poll` (its original holds the ballots).
    Whether they may be shown is `services.polls.results_available`; this does not check."""
    now = now or timezone.now()
    original = original_of(poll)
    raw = counted(original, now)
    labels = dict(options_of(poll))
    ballots = raw["ballots"]
    winners = raw["winners"]

    def winner_outcome(key):
        if key not in winners:
            return ""
        return "winner" if len(winners) == 1 else "tied"

    options = [
        OptionTally(
            key, label, raw["votes"].get(key, 0), percent(raw["votes"].get(key, 0), ballots), winner_outcome(key)
        )
        for key, label in labels.items()
    ]
    rounds = []
    for number, found in enumerate(raw["rounds"], start=1):
        counting = sum(found["counts"].values())
        tallies = []
        for key, label in labels.items():
            if key not in found["counts"]:
                continue
            outcome = ""
            if key == found["eliminated"]:
                outcome = "eliminated"
            elif key in found["elected"]:
                outcome = "winner" if len(found["elected"]) == 1 else "tied"
            votes = found["counts"][key]
            tallies.append(OptionTally(key, label, votes, percent(votes, counting), outcome))
        rounds.append(
            RunoffRound(
                number=number,
                tallies=tallies,
                continuing_ballots=counting,
                exhausted_ballots=found["exhausted"],
                eliminated=[found["eliminated"]] if found["eliminated"] else [],
                elected=list(found["elected"]),
            )
        )
    return PollResults(
        poll_id=original.pk,
        kind=original.kind,
        ballots=ballots,
        options=options,
        rounds=rounds,
        winners=list(winners),
        counted_at=raw["at"],
        final=now >= original.closes_at,
    )


def forget_results(poll):
    cache.delete(f"participation:poll:{original_of(poll).pk}:results")
