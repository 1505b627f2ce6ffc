"""Declaration of the credentials documents extension."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import forms


class PdfCredentials(ModoExtension):
    """Credentials documents handed to new users."""

    name = "modoboa_pdfcredentials"
    label = gettext_lazy("PDF credentials")
    version = "1.10"
    description = gettext_lazy("Generate PDF documents containing account credentials")
    url = "pdfcredentials"

    def load(self):
        param_tools.registry.add("global", forms.ParametersForm, gettext_lazy("PDF credentials"))


exts_pool.register_extension(PdfCredentials)
