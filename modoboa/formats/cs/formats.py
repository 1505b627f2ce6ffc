"""Czech: the short forms of Django's Czech formats, everywhere."""

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y G:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
