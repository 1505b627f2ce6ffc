"""Declaration of the statistics extension (1.10's modoboa-stats)."""

from django.utils.translation import gettext_lazy

from modoboa.core.extensions import ModoExtension, exts_pool

from . import app_settings


class StatsExtension(ModoExtension):
    """Traffic graphs and the message log, fed from Postfix's log."""

    name = "stats"
    label = gettext_lazy("Statistics")
    version = "1.0"
    description = gettext_lazy("Graphical statistics about emails traffic and a message log")
    url = "stats"

    def load(self):
        app_settings.load_settings()


exts_pool.register_extension(StatsExtension)
