"""Create the ``dkim`` view that OpenDKIM reads (KeyTable/SigningTable).

Beyond the view printed in the upstream documentation, domains whose key
has not been generated yet are left out, so OpenDKIM never tries to load an
empty key path.
"""

from django.db import migrations

COLUMNS = (
    "SELECT id, name AS domain_name, dkim_private_key_path AS private_key_path, "
    "dkim_key_selector AS selector FROM admin_domain "
)


def create_view(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        sql = "CREATE OR REPLACE VIEW dkim AS (" + COLUMNS + (
            "WHERE enable_dkim AND dkim_private_key_path <> '')"
        )
    elif vendor == "mysql":
        sql = "CREATE OR REPLACE VIEW dkim AS (" + COLUMNS + (
            "WHERE enable_dkim=1 AND dkim_private_key_path <> '')"
        )
    else:
        schema_editor.execute("DROP VIEW IF EXISTS dkim")
        sql = "CREATE VIEW dkim AS " + COLUMNS + (
            "WHERE enable_dkim=1 AND dkim_private_key_path <> ''"
        )
    schema_editor.execute(sql)


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS dkim")


class Migration(migrations.Migration):
    dependencies = [("admin", "0002_initial")]

    # MySQL cannot roll DDL back, so the view is not created inside a
    # transaction there.
    operations = [migrations.RunPython(create_view, drop_view, atomic=False)]
