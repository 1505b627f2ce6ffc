"""System checks for configuration mistakes a postmaster can make."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_use_tz(app_configs, **kwargs):
    """modoboa.W001: time zone support should be on."""
    if not getattr(settings, "USE_TZ", False):
        return [
            checks.Warning(
                "USE_TZ is False: dates in the log and alias expiry may be wrong.",
                hint="Set USE_TZ = True in settings.py.",
                id="modoboa.W001",
            )
        ]
    return []
