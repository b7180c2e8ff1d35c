"""What the participation reads share."""

import time


def wall_clock():
    """Seconds since the epoch: the one clock of counts' lag and of rate-limit windows (tests move it)."""
    return time.time()
