"""The quarantine's business rules, shared by the console, the API and the commands."""

from . import learning, policies, quarantine, wblist  # noqa: F401
