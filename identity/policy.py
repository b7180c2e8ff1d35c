"""The one answer to "may this user do this action?". Every endpoint that acts for a citizen asks `may`
(or `require`, which raises `AssuranceDenied`) — no app keeps its own rule."""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import sql
from core.assurance import AssuranceLevel
from core.cache import forget, remembered
from core.errors import Forbidden

from .models import DEFAULT_MIN_LEVELS, Action, ActionPolicy, AssuranceGrant

POLICY_CACHE_KEY = "identity:action-policy"
# Where `load_user` leaves the user's granted level ("" for none) on the user object, for `level_of`.
GRANTED_LEVEL = "_portal_granted_level"


def load_user(user_id):
    """The user `user_id` with their assurance grant, in one statement (core.sql), or None. It is how every
    signed-in request gets its user (identity/backends.py), so that asking its level costs no second query."""
    User = get_user_model()
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    using = sql.read_alias(User)
    if not sql.fits(User, User._meta.pk.name, user_id, using):
        return None
    row = sql.fetch_one(_user_statement(using), [user_id], using)
    if row is None:
        return None
    user = sql.instance(User, _user_fields(), row[:-1], using)
    setattr(user, GRANTED_LEVEL, row[-1] or "")
    return user


def _user_fields():
    return [field.name for field in get_user_model()._meta.concrete_fields]


@cache
def _user_statement(using):
    User = get_user_model()
    user_pk = sql.columns(User, [User._meta.pk.name], qualified=True, using=using)
    return (
        f"SELECT {sql.columns(User, _user_fields(), qualified=True, using=using)}, "
        f"{sql.columns(AssuranceGrant, ['level'], qualified=True, using=using)} FROM {sql.table(User, using)} "
        f"LEFT JOIN {sql.table(AssuranceGrant, using)} "
        f"ON {sql.columns(AssuranceGrant, ['user'], qualified=True, using=using)} = {user_pk} WHERE {user_pk} = %s"
    )


def forget_level(user):
    """After a grant changes: the next `level_of(user)` reads it again."""
    if hasattr(user, GRANTED_LEVEL):
        delattr(user, GRANTED_LEVEL)


def level_of(user):
    """L0 anonymous or unverified; L1 a verified e-mail address; L2/L3 as granted by a strong method."""
    if user is None or not user.is_authenticated:
        return AssuranceLevel.L0
    grant = getattr(user, GRANTED_LEVEL, None)
    if grant is None:
        grant = AssuranceGrant.objects.filter(user=user).values_list("level", flat=True).first()
    if grant:
        return AssuranceLevel(grant)
    from allauth.account.models import EmailAddress

    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return AssuranceLevel.L1
    return AssuranceLevel.L0


def min_level(action):
    # The table is a few rows that every citizen's write asks for: each process keeps it for a few seconds
    # (core.cache.remembered), so a change reaches every process within REMEMBER_SECONDS, at once the one that
    # made it (forget_policy).
    table = remembered(POLICY_CACHE_KEY, lambda: dict(ActionPolicy.objects.values_list("action", "min_level")))
    return AssuranceLevel(table.get(str(action)) or DEFAULT_MIN_LEVELS[Action(action)])


def forget_policy():
    forget(POLICY_CACHE_KEY)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str
    needed: AssuranceLevel
    current: AssuranceLevel

    @property
    def message(self):
        """Why not, and what to do about it, in the active language."""
        if self.allowed:
            return ""
        return _("%(action)s needs assurance level %(needed)s (%(label)s); you have %(current)s. %(how)s") % {
            "action": Action(self.action).label,
            "needed": self.needed.value,
            "label": self.needed.label,
            "current": self.current.value,
            "how": self.needed.how_to_reach,
        }

    def as_dict(self):
        return {
            "action": self.action,
            "allowed": self.allowed,
            "needed": self.needed.value,
            "current": self.current.value,
            "message": str(self.message),
        }


def may(user, action, *, current=None):
    """Whether `user` may do `action` (an `Action`), with the levels and the message a refusal shows.
    `current` is the user's level when the caller already knows it (asking about many actions at once)."""
    needed = min_level(action)
    current = current or level_of(user)
    return Decision(current.rank >= needed.rank, str(action), needed, current)


class AssuranceDenied(Forbidden):
    """The policy says no: a 403 `assurance_required` whose message names the level needed and how to reach
    it; `decision` is the whole `Decision`."""

    code = "assurance_required"

    def __init__(self, decision):
        self.decision = decision
        super().__init__(decision.message)


def require(user, action):
    """The policy's decision for `action`, or `AssuranceDenied` naming the level needed."""
    decision = may(user, action)
    if not decision.allowed:
        raise AssuranceDenied(decision)
    return decision
