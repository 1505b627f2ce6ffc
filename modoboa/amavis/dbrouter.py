"""Send the Amavis tables to the ``amavis`` connection when there is one.

``modoboa-admin.py deploy --dburl default:... amavis:...`` writes
``DATABASE_ROUTERS = ["modoboa.amavis.dbrouter.AmavisRouter"]``; without an
``amavis`` database the tables live in the default one.
"""

from django.conf import settings

APP_LABEL = "amavis"


def amavis_alias():
    """The connection alias holding Amavis' tables."""
    return "amavis" if "amavis" in settings.DATABASES else "default"


class AmavisRouter:
    """Read and write Amavis' tables on the ``amavis`` connection."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label == APP_LABEL:
            return amavis_alias()
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        labels = {obj1._meta.app_label, obj2._meta.app_label}
        if APP_LABEL in labels:
            return labels == {APP_LABEL}
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == "amavis" and db != "default":
            # Amavis' database holds Amavis' schema only.
            return app_label == APP_LABEL
        return None
