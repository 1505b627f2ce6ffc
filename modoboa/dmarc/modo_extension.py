"""Declaration of the DMARC extension (1.10's modoboa-dmarc)."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import app_settings


class DmarcExtension(ModoExtension):
    """Per-domain DMARC aggregate reports."""

    name = "dmarc"
    label = gettext_lazy("DMARC")
    version = "1.1.0"
    description = gettext_lazy("DMARC aggregate reports of the hosted domains")
    url = "dmarc"

    def load(self):
        param_tools.registry.add("global", app_settings.ParametersForm, gettext_lazy("DMARC"))


exts_pool.register_extension(DmarcExtension)
