"""English: the short forms of Django's English formats, everywhere."""

DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y P"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
