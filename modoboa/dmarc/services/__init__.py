"""Business rules of the DMARC extension, shared by the commands, the
console and the API.
"""

from .imports import ImportOutcome, import_mail, import_report_file, store_report  # noqa: F401
