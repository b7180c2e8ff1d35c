"""Money is kept as integer fils (1 Kuwaiti dinar = 1,000 fils), never as floats."""

from django.utils.translation import get_language

FILS_PER_DINAR = 1000


def format_fils(fils, language=None):
    """`1250` → `1.250 د.ك` in Arabic, `KWD 1.250` in English (three decimals, as dinars are written)."""
    if fils is None:
        return ""
    fils = int(fils)
    sign = "-" if fils < 0 else ""
    dinars, rest = divmod(abs(fils), FILS_PER_DINAR)
    amount = f"{sign}{dinars:,}.{rest:03d}"
    language = (language or get_language() or "ar")[:2]
    if language == "ar":
        return f"{amount} د.ك"
    return f"KWD {amount}"
