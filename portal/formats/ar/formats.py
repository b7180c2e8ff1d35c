# Arabic as the portal writes it (Kuwait): Western digits, a comma between thousands and a point before
# decimals, as in `1.250 د.ك` (core.money) and `10,000`. Django's own `ar` formats use the opposite
# separators. Dates keep Django's Arabic month names.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، g:i A"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y g:i A"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
