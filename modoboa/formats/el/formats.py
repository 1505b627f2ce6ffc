"""Greek: the short forms of Django's Greek formats, everywhere."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y P"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
