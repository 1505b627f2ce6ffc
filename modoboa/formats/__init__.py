"""Date formats of the console: one way per language.

Django formats a date with a ``date`` filter one way (``SHORT_DATETIME_FORMAT``)
and a date shown as is another (``DATETIME_FORMAT``), so one page could show
"12/05/2026 8:45 a.m." next to "Dec. 5, 2026, 8:47 a.m.". For each language
with a catalogue, both formats are made the same here
(``FORMAT_MODULE_PATH``).
"""
