"""Django application configuration of the message filters."""

from django.apps import AppConfig


class SieveFiltersConfig(AppConfig):
    name = "modoboa.sievefilters"
    label = "modoboa_sievefilters"
    verbose_name = "Modoboa message filters"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        # Parameters and menus are there for commands and tests too, not
        # only once the URLs are loaded.
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)
