"""Dutch: the short forms of Django's Dutch formats, everywhere."""

DATE_FORMAT = "j-n-Y"
DATETIME_FORMAT = "j-n-Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
