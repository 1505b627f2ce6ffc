"""Amavis' tables are Amavis' (README.sql-pg / README.sql-mysql): this
migration creates them only when ``AMAVIS_MANAGE_SCHEMA`` is true (the test
suite, and instances whose postmaster asks for it), on the connection the
router gives them.
"""

from django.conf import settings
from django.db import migrations


def create_tables(apps, schema_editor):
    if not getattr(settings, "AMAVIS_MANAGE_SCHEMA", False):
        return
    from modoboa.amavis.dbrouter import amavis_alias
    from modoboa.amavis.schema import create_tables

    if schema_editor.connection.alias == amavis_alias():
        create_tables(editor=schema_editor)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_tables, migrations.RunPython.noop, atomic=False)]
