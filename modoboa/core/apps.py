"""Django application configuration of the core."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, **kwargs):
    """Make sure the configuration row and the role groups exist.

    post_migrate is sent once per application; this runs after the last one,
    when every permission exists.
    """
    from django.apps import apps
    from django.db import DEFAULT_DB_ALIAS

    if kwargs.get("using", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from . import services

    services.ensure_localconfig()
    services.ensure_role_groups()


class CoreConfig(AppConfig):
    name = "modoboa.core"
    label = "core"
    verbose_name = "Modoboa core"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        import reversion

        from . import access, checks  # noqa: F401 - registers system checks
        from .app_settings import load_core_settings
        from .models import User

        load_core_settings()
        from modoboa.lib import cronlock

        from . import jobs

        jobs.register_core_jobs()
        if jobs.recorded not in cronlock.run_observers:
            cronlock.run_observers.append(jobs.recorded)
        access.register_core_filters()
        from . import provisioning, signals

        signals.allow_password_change.connect(
            provisioning.hide_password_change, dispatch_uid="core_external_password"
        )
        if not reversion.is_registered(User):
            reversion.register(User, exclude=["password", "last_login", "_parameters"])
        post_migrate.connect(_after_migrate, dispatch_uid="modoboa_core_after_migrate")
