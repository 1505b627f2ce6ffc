"""Django application configuration of the webmail."""

from django.apps import AppConfig


class WebmailConfig(AppConfig):
    name = "modoboa.webmail"
    label = "modoboa_webmail"
    verbose_name = "Modoboa webmail"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        # Parameters and menus exist for commands and tests too, not only
        # once the URLs are loaded.
        from modoboa.core.extensions import exts_pool

        exts_pool.load_extension(self.name)
