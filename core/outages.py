"""Which exceptions mean "a service the portal depends on is down" rather than "the code is wrong": those are
answered 503 with `Retry-After` (core.middleware, core.views.server_error), never a 500."""

from django.db import InterfaceError, OperationalError

# SQLite reports a programming error (a missing table or column) as OperationalError too: that is a bug, a 500.
NOT_OUTAGES = ("no such table", "no such column", "syntax error")


def _outage_types():
    types = [OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        types += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover — redis is a requirement; kept optional for the embedded default
        pass
    try:
        from psycopg_pool import PoolTimeout

        types.append(PoolTimeout)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


OUTAGE_TYPES = _outage_types()


def is_outage(exception):
    if not isinstance(exception, OUTAGE_TYPES):
        return False
    if isinstance(exception, OperationalError):
        text = str(exception).lower()
        return not any(marker in text for marker in NOT_OUTAGES)
    return True
