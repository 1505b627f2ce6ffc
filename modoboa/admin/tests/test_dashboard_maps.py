"""The dashboard's health items: "Postfix maps" says what the files on disk
are, "Database" whether migrations wait; each prints the command that fixes
it, and running that command turns it green.
"""

import os
import re
import shlex

import pytest
from django.core.management import call_command

from modoboa.admin.postfix_maps import DomainsMap
from modoboa.core import postfix_maps

pytestmark = pytest.mark.django_db


@pytest.fixture
def maps_dir(tmp_path, settings):
    directory = tmp_path / "postfix"
    directory.mkdir()
    settings.MODOBOA_POSTFIX_MAPS_DIR = str(directory)
    return directory


def health(client):
    page = client.get("/dashboard/").content.decode()
    item = re.search(r'<li[^>]*id="health-postfix-maps"[^>]*>(.*?)</li>', page, re.S)
    if item is None:
        return None
    state = re.search(r'id="postfix-maps-state">([^<]*)<', item.group(1)).group(1)
    files = re.search(r'id="postfix-maps-files">(.*?)</div>', item.group(1), re.S)
    command = re.search(r'id="postfix-maps-command">([^<]*)<', item.group(1))
    return {
        "state": state,
        "files": re.findall(r"<code>([^<]*)</code>", files.group(1)) if files else [],
        "command": command.group(1).replace("&#x27;", "'") if command else None,
        "generated": 'id="postfix-maps-generated"' in item.group(1),
    }


def run_printed(command):
    """Run the command the dashboard printed, as a postmaster would."""
    words = shlex.split(command)
    assert words[:3] == ["python", "manage.py", "generate_postfix_maps"]
    call_command(*words[2:], verbosity=0)


def all_maps():
    return [map_class.filename for map_class in postfix_maps.collect_maps()]


def test_never_generated_then_fixed_by_the_printed_command(client, superadmin, maps_dir):
    client.force_login(superadmin)
    before = health(client)
    assert before["state"] == "missing"
    assert before["files"] == all_maps()
    assert before["command"] == "python manage.py generate_postfix_maps --destdir %s" % maps_dir
    assert not before["generated"]
    run_printed(before["command"])
    after = health(client)
    assert after == {"state": "up to date", "files": [], "command": None, "generated": True}


def test_a_deleted_file_is_missing(client, superadmin, maps_dir):
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    os.unlink(maps_dir / "sql-domains.cf")
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "missing" and shown["files"] == ["sql-domains.cf"]
    run_printed(shown["command"])
    assert health(client)["state"] == "up to date"


def test_a_query_this_version_writes_differently_is_outdated(
    client, superadmin, maps_dir, monkeypatch
):
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    # What an upgrade changing the domains' query does to existing files.
    for engine in postfix_maps.ENGINES:
        query = getattr(DomainsMap, engine)
        monkeypatch.setattr(DomainsMap, engine, query.replace("SELECT", "SELECT DISTINCT", 1))
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "outdated" and shown["files"] == ["sql-domains.cf"]
    assert "--force-overwrite" not in shown["command"]
    run_printed(shown["command"])
    assert health(client)["state"] == "up to date"
    text = (maps_dir / "sql-domains.cf").read_text()
    assert "SELECT DISTINCT" in text


def test_a_file_changed_by_hand_needs_force(client, superadmin, maps_dir):
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    with open(maps_dir / "sql-aliases.cf", "a") as handle:
        handle.write("# tuned by the postmaster\n")
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "changed by hand" and shown["files"] == ["sql-aliases.cf"]
    assert shown["command"].endswith("--force-overwrite")
    # Without the flag the command leaves it alone: the item stays red.
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    assert health(client)["state"] == "changed by hand"
    run_printed(shown["command"])
    assert health(client)["state"] == "up to date"


def test_files_not_written_by_the_command_are_reported(client, superadmin, maps_dir):
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    os.unlink(maps_dir / postfix_maps.CHECKSUM_FILENAME)
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "changed by hand" and shown["files"] == all_maps()


def test_a_file_the_panel_cannot_read_is_not_called_fresh(client, superadmin, maps_dir):
    call_command("generate_postfix_maps", "--destdir", str(maps_dir), verbosity=0)
    os.unlink(maps_dir / "sql-transport.cf")
    os.mkdir(maps_dir / "sql-transport.cf")
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "cannot be read" and shown["files"] == ["sql-transport.cf"]


def test_a_missing_directory_is_missing(client, superadmin, maps_dir, settings):
    settings.MODOBOA_POSTFIX_MAPS_DIR = str(maps_dir / "nowhere")
    client.force_login(superadmin)
    shown = health(client)
    assert shown["state"] == "missing" and shown["files"] == all_maps()


def test_only_the_super_administrator_sees_it(
    client, domain_admin, superadmin, maps_dir, settings
):
    client.force_login(domain_admin)
    assert health(client) is None
    settings.MODOBOA_POSTFIX_MAPS_DIR = None
    client.force_login(superadmin)
    assert health(client) is None


def test_the_database_line_names_the_server_and_unapplied_migrations(client, superadmin):
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    client.force_login(superadmin)
    page = client.get("/dashboard/").content.decode()
    server = re.search(r'id="database-server">([^<]*)<', page).group(1)
    assert server.startswith(connection.display_name + " ")
    assert re.search(r'id="database-state">up to date<', page)
    assert 'id="database-command"' not in page
    # What an upgrade without "manage.py migrate" leaves behind.
    MigrationRecorder.Migration.objects.filter(app="core", name="0003_jobrun").delete()
    page = client.get("/dashboard/").content.decode()
    assert re.search(r'id="database-state">1 migration not applied<', page)
    assert re.search(r'id="database-command">python manage.py migrate<', page)


def test_domain_administrators_do_not_see_the_database_line(client, domain_admin):
    client.force_login(domain_admin)
    assert 'id="health-database"' not in client.get("/dashboard/").content.decode()


def test_a_settings_file_without_the_setting_checks_the_documented_directory(
    client, superadmin, settings
):
    del settings.MODOBOA_POSTFIX_MAPS_DIR
    client.force_login(superadmin)
    shown = health(client)
    assert shown["command"] == "python manage.py generate_postfix_maps --destdir /etc/postfix"
