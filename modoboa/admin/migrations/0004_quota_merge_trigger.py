"""Install, on PostgreSQL, the quota merge trigger Dovecot's dict quota
needs.

Older Dovecot releases write quota usage with plain INSERTs that must add to
an existing row; this BEFORE INSERT trigger turns such an INSERT into an
increment of the existing row. Current releases (2.3) DELETE the row before
they INSERT a recalculated value, and increment with UPDATE, so the trigger
never changes what they write. Writers of one username are serialised with
an advisory lock, so two first INSERTs cannot race.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION admin_quota_merge() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('admin_quota'), hashtext(NEW.username));
    UPDATE admin_quota
       SET bytes = bytes + COALESCE(NEW.bytes, 0),
           messages = messages + COALESCE(NEW.messages, 0)
     WHERE username = NEW.username;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    NEW.bytes := COALESCE(NEW.bytes, 0);
    NEW.messages := COALESCE(NEW.messages, 0);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

CREATE_TRIGGER = """
CREATE TRIGGER admin_quota_merge BEFORE INSERT ON admin_quota
    FOR EACH ROW EXECUTE FUNCTION admin_quota_merge()
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    schema_editor.execute("DROP TRIGGER IF EXISTS admin_quota_merge ON admin_quota")
    schema_editor.execute(CREATE_TRIGGER)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS admin_quota_merge ON admin_quota")
    schema_editor.execute("DROP FUNCTION IF EXISTS admin_quota_merge()")


class Migration(migrations.Migration):
    dependencies = [("admin", "0003_dkim_view")]

    operations = [migrations.RunPython(install, uninstall)]
