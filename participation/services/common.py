"""What every participation action shares: the refusals a citizen can understand, the checks that run
before any write (assurance level, block lists, rate limits), and announcing events.

Each write in `petitions`, `polls`, `consultations`, `comments` and `moderation` starts with

    guard(user, request, Action.POLL_VOTE, rate="vote")

and raises a `ParticipationError` subclass for anything the citizen did wrong. Each error carries a stable
`code`, a message in the active language and the HTTP `status` the API and the pages answer with.
"""

import ipaddress

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors
from core.cache import count_hits, forget, remembered
from identity.audit import client_address
from identity.policy import AssuranceDenied, may

from ..models import BlockedEmailDomain, BlockedNetwork, BlockedParticipant
from ..selectors import common as selectors

# --- Refusals ----------------------------------------------------------------------------------------


class ParticipationError(errors.PortalError):
    """A refusal the citizen can understand: a `core.errors.PortalError` (a stable `code`, a message in the
    active language, the HTTP status it deserves), raised by participation's services and answered as it is
    by the API's exception handler and by `core.middleware.ErrorShapeMiddleware`."""


class InvalidInput(ParticipationError, errors.InvalidInput):
    """Input that does not make sense; the message says what is wrong. `field` names it when known."""


class AssuranceTooLow(ParticipationError, AssuranceDenied):
    """The assurance policy says no: identity's refusal, as participation raises it."""


class Blocked(ParticipationError, errors.Forbidden):
    code = "blocked"

    def default_message(self):
        return _("You cannot take part from this account or address. Contact the portal if you think this is wrong.")


class NotFound(ParticipationError, errors.NotFound):
    def default_message(self):
        return _("There is no such thing to take part in.")


class Conflict(ParticipationError, errors.Conflict):
    pass


class RateLimited(ParticipationError, errors.RateLimited):
    def __init__(self, retry_after, kind="sign"):
        self.kind = kind
        super().__init__(retry_after=retry_after)

    def default_message(self):
        messages = {
            "sign": _("Too many signatures too quickly. Please wait %(seconds)d seconds and try again."),
            "vote": _("Too many votes too quickly. Please wait %(seconds)d seconds and try again."),
            "comment": _("Too many comments too quickly. Please wait %(seconds)d seconds and try again."),
            "flag": _("Too many reports too quickly. Please wait %(seconds)d seconds and try again."),
        }
        return messages.get(self.kind, messages["sign"]) % {"seconds": self.retry_after}


# --- Checks before a write ---------------------------------------------------------------------------


def require(user, action):
    """The assurance policy's decision for `action`, or `AssuranceTooLow` naming the level needed."""
    decision = may(user, action)
    if not decision.allowed:
        raise AssuranceTooLow(decision)
    return decision


# (scope, how many, per seconds): a scope is "ip" or "user". Each kind is configurable with
# PARTICIPATION_RATE_LIMITS = {"vote": (...), ...}; signing also honours PETITION_SIGN_RATE_LIMITS.
DEFAULT_RATE_LIMITS = {
    "sign": (("ip", 1, 60), ("ip", 5, 300), ("user", 1, 60), ("user", 5, 300)),
    "vote": (("user", 10, 60), ("ip", 60, 60)),
    "comment": (("user", 5, 60), ("user", 30, 3600), ("ip", 30, 60)),
    "flag": (("user", 10, 60), ("ip", 30, 60)),
}


def rate_limits(kind):
    configured = getattr(settings, "PARTICIPATION_RATE_LIMITS", {}) or {}
    if kind in configured:
        return configured[kind]
    if kind == "sign" and hasattr(settings, "PETITION_SIGN_RATE_LIMITS"):
        return settings.PETITION_SIGN_RATE_LIMITS
    return DEFAULT_RATE_LIMITS.get(kind, ())


def check_rate(kind, user, request):
    """Count this attempt of `kind` against every limit, per user and per client address; refuse over any.
    Every window is counted in one round trip to the cache (core.cache.count_hits)."""
    identities = {"user": str(user.pk) if user and user.pk else "", "ip": client_address(request)}
    now = int(selectors.wall_clock())
    limits = [(scope, limit, period) for scope, limit, period in rate_limits(kind) if identities.get(scope)]
    windows = [
        (f"participation:rate:{kind}:{scope}:{identities[scope]}:{period}:{now // period}", period + 1)
        for scope, _limit, period in limits
    ]
    for (_scope, limit, period), count in zip(limits, count_hits(windows), strict=True):
        if count > limit:
            raise RateLimited(retry_after=(now // period + 1) * period - now, kind=kind)


# The block lists are few rows that every write checks: each process keeps them for a few seconds
# (core.cache.remembered), so a change reaches every process within REMEMBER_SECONDS, and at once the process
# that made it (forget_block_lists, connected to the block lists' saves and deletes in participation/apps.py).
NETWORKS_KEY = "participation:blocked-networks"
DOMAINS_KEY = "participation:blocked-domains"
PARTICIPANTS_KEY = "participation:blocked-participants"


def _blocked_networks():
    return remembered(
        NETWORKS_KEY,
        lambda: [
            ipaddress.ip_network(network, strict=False)
            for network in BlockedNetwork.objects.values_list("network", flat=True)
        ],
    )


def _blocked_domains():
    return remembered(DOMAINS_KEY, lambda: set(BlockedEmailDomain.objects.values_list("domain", flat=True)))


def _blocked_participants():
    """{user id: until (None: for good)} of the blocks in force."""
    return remembered(
        PARTICIPANTS_KEY,
        lambda: dict(
            BlockedParticipant.objects.filter(Q(until__isnull=True) | Q(until__gt=timezone.now())).values_list(
                "user_id", "until"
            )
        ),
    )


def forget_block_lists(sender=None, **kwargs):
    for key in (NETWORKS_KEY, DOMAINS_KEY, PARTICIPANTS_KEY):
        forget(key)


def is_blocked(user, request=None):
    """Whether this person or the address they come from is on a block list."""
    address = client_address(request) if request is not None else ""
    if address:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            ip = None
        if ip is not None and any(ip.version == net.version and ip in net for net in _blocked_networks()):
            return True
    if user is None or not user.is_authenticated:
        return False
    email = (getattr(user, "email", "") or "").lower()
    if "@" in email and email.rsplit("@", 1)[1] in _blocked_domains():
        return True
    blocked = _blocked_participants()
    if user.pk not in blocked:
        return False
    until = blocked[user.pk]
    return until is None or until > timezone.now()


def check_participant(user, request, rate=None):
    """The block lists, then (with `rate`) the rate limit of that kind of action."""
    if is_blocked(user, request):
        raise Blocked()
    if rate:
        check_rate(rate, user, request)


def guard(user, request, action, rate=None):
    """Every check before a citizen's write: assurance level, block lists, rate limit."""
    decision = require(user, action)
    check_participant(user, request, rate)
    return decision


# --- Events ------------------------------------------------------------------------------------------


def announce(name, **payload):
    """Hand a domain event to core.events (its subscribers run after the transaction commits)."""
    from core.events import emit

    emit(name, **payload)
