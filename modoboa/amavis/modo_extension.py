"""Declaration of the quarantine extension."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool

from . import app_settings


class AmavisExtension(ModoExtension):
    """Amavis quarantine front end."""

    name = "amavis"
    label = gettext_lazy("Amavis frontend")
    version = "1.10"
    description = gettext_lazy("Simple amavis management frontend")
    url = "quarantine"

    def load(self):
        app_settings.register()

    def load_initial_data(self):
        from . import services

        services.policies.sync_all_domains()


exts_pool.register_extension(AmavisExtension)
