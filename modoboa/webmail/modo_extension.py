"""Declaration of the webmail extension (1.10's modoboa-webmail)."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import app_settings, handlers


class Webmail(ModoExtension):
    """Users read and send their mail in the console."""

    name = "webmail"
    label = gettext_lazy("Webmail")
    version = "1.4.0"
    description = gettext_lazy("Simple IMAP webmail")
    url = "webmail"

    def load(self):
        param_tools.registry.add("global", app_settings.ParametersForm, gettext_lazy("Webmail"))
        param_tools.registry.add("user", app_settings.UserSettings, gettext_lazy("Webmail"))
        handlers.connect()


exts_pool.register_extension(Webmail)
