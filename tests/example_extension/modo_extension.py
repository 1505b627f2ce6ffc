"""Declaration of the example extension."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import app_settings


class ExampleExtension(ModoExtension):
    """An extension with parameters, pages, an API endpoint and initial data."""

    name = "example_ext"
    label = gettext_lazy("Example extension")
    version = "0.1"
    description = gettext_lazy("Proves that the extension API works")
    url = "example"

    def load(self):
        param_tools.registry.add(
            "global", app_settings.ExampleParametersForm, gettext_lazy("Example")
        )
        param_tools.registry.add("user", app_settings.ExampleUserSettings, gettext_lazy("Example"))

    def load_initial_data(self):
        param_tools.set_global_parameter("greeting", "initialised", app="example_ext")


exts_pool.register_extension(ExampleExtension)
