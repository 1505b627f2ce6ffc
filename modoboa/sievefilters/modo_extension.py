"""Declaration of the message filters extension (1.10's modoboa-sievefilters)."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import app_settings, handlers


class SieveFilters(ModoExtension):
    """Users edit their Sieve filters over ManageSieve."""

    name = "sievefilters"
    label = gettext_lazy("Message filters")
    version = "1.4.0"
    description = gettext_lazy("Plugin to easily create server-side message filters")
    url = "sfilters"

    def load(self):
        param_tools.registry.add(
            "global", app_settings.ParametersForm, gettext_lazy("Message filters")
        )
        param_tools.registry.add(
            "user", app_settings.UserSettings, gettext_lazy("Message filters")
        )
        handlers.connect()


exts_pool.register_extension(SieveFilters)
