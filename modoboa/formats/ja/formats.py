"""Japanese: the short forms of Django's Japanese formats, everywhere."""

DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = "Y/m/d G:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
