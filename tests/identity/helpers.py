import re

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time


def totp_code(secret):
    """The current TOTP code for a secret, as an authenticator app would show it."""
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def code_from_mail(message):
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)
