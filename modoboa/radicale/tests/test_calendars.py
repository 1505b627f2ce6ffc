"""Calendars without the server: rights file, permissions, the login check,
the pages and the command. (tests/integration/test_radicale.py runs them
against the real Radicale.)"""

import configparser
import json
import os
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from modoboa.lib.exceptions import BadRequest, PermDeniedException
from modoboa.parameters import tools as param_tools
from modoboa.radicale import client, rights, services
from modoboa.radicale.models import AccessRule, SharedCalendar, UserCalendar

APP = "modoboa_radicale"


@pytest.fixture
def rights_path(tmp_path):
    path = tmp_path / "rights"
    param_tools.set_global_parameter("rights_file_path", str(path), app=APP)
    return path


@pytest.fixture
def mailboxes(domain, make_account, make_domain):
    make_domain("other.com", quota=0, default_mailbox_quota=0)
    return {
        address: make_account(address, mailbox={"address": address}).mailbox
        for address in ("alice@test.com", "bob@test.com", "eve@other.com")
    }


def permissions_for(text, user, path):
    """What Radicale's from_file backend would answer (same algorithm)."""
    parser = configparser.ConfigParser()
    parser.read_string(text)
    escaped = re.escape(user)
    for section in parser.sections():
        user_match = re.fullmatch(parser.get(section, "user").format(), user)
        if not user_match:
            continue
        pattern = parser.get(section, "collection").format(
            *(re.escape(s) for s in user_match.groups()), user=escaped
        )
        if re.fullmatch(pattern, path.strip("/")):
            return parser.get(section, "permissions")
    return ""


@pytest.mark.django_db
def test_rights_give_owners_sharers_and_domains_what_they_should(mailboxes):
    alice, bob, eve = (mailboxes[a] for a in ("alice@test.com", "bob@test.com", "eve@other.com"))
    calendar = UserCalendar.objects.create(mailbox=alice, name="Work")
    SharedCalendar.objects.create(domain=alice.domain, name="Holidays")
    AccessRule.objects.create(mailbox=eve, calendar=calendar, read=True, write=False)
    text = rights.render()
    path = "test.com/user/alice/Work"
    assert permissions_for(text, "alice@test.com", path) == "rw"
    assert permissions_for(text, "eve@other.com", path) == "r"
    assert permissions_for(text, "bob@test.com", path) == ""
    assert permissions_for(text, "bob@test.com", "test.com/shared/Holidays") == "rw"
    assert permissions_for(text, "eve@other.com", "test.com/shared/Holidays") == ""
    assert permissions_for(text, "bob@test.com", "bob@test.com") == "RW"
    assert permissions_for(text, "alice@test.com", "other.com/user/eve/x") == ""
    assert permissions_for(text, client.SERVICE_LOGIN, "anything/at/all") == "RWrw"
    assert bob  # a mailbox without calendar has no rule of its own


@pytest.mark.django_db
def test_hostile_names_cannot_widen_a_rule(mailboxes):
    # A name could come from an old database: escaped, it matches itself only.
    alice, eve = mailboxes["alice@test.com"], mailboxes["eve@other.com"]
    calendar = UserCalendar.objects.create(mailbox=alice, name="a.*{0}%(x)s")
    AccessRule.objects.create(mailbox=eve, calendar=calendar, read=True, write=True)
    text = rights.render()
    configparser.ConfigParser().read_string(text)  # parses, % and all
    assert permissions_for(text, "eve@other.com", "test.com/user/alice/a.*{0}%(x)s") == "rw"
    assert permissions_for(text, "eve@other.com", "test.com/user/alice/abc") == ""


@pytest.mark.parametrize("name", ["", "/etc", "../x", ".hidden", "a/b", "x" * 201, "end."])
def test_calendar_names_that_cannot_be_a_path_are_refused(name):
    with pytest.raises(BadRequest):
        services.clean_name(name)


@pytest.mark.parametrize("name", ["Work", "Équipe 2026", "on-call_rota.v2"])
def test_ordinary_names_are_kept(name):
    assert services.clean_name(" %s " % name) == name


@pytest.mark.django_db
def test_who_may_create_and_share(mailboxes, domain_admin, make_account):
    alice, eve = mailboxes["alice@test.com"], mailboxes["eve@other.com"]
    with pytest.raises(PermDeniedException):
        services.create_user_calendar(acting_user=alice.user, mailbox=eve, name="Spy")
    with pytest.raises(PermDeniedException):
        services.create_user_calendar(acting_user=domain_admin, mailbox=eve, name="Spy")
    with pytest.raises(PermDeniedException):
        services.create_shared_calendar(acting_user=alice.user, domain=alice.domain, name="X")
    calendar = UserCalendar.objects.create(mailbox=alice, name="Work")
    # A simple user shares within its domain only, and never with a stranger's
    # mailbox it cannot see.
    with pytest.raises(BadRequest):
        services.set_access_rule(
            calendar, acting_user=alice.user, address="eve@other.com", read=True, write=False
        )
    with pytest.raises(PermDeniedException):
        services.set_access_rule(
            calendar, acting_user=eve.user, address="eve@other.com", read=True, write=True
        )
    assert not AccessRule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sharing_rewrites_the_rights_file(mailboxes, rights_path):
    alice = mailboxes["alice@test.com"]
    calendar = UserCalendar.objects.create(mailbox=alice, name="Work")
    rule = services.set_access_rule(
        calendar, acting_user=alice.user, address="bob@test.com", read=False, write=True
    )
    assert rule.read and rule.write  # writing implies reading
    assert "bob@test\\.com" in rights_path.read_text()
    services.set_access_rule(
        calendar, acting_user=alice.user, address="bob@test.com", read=False, write=False
    )
    assert not AccessRule.objects.exists()
    assert "bob@test\\.com" not in rights_path.read_text()


@pytest.mark.django_db
def test_generate_rights_only_when_needed_and_never_half(mailboxes, rights_path, tmp_path):
    call_command("generate_rights", verbosity=0)
    first = os.stat(rights_path).st_mtime_ns
    call_command("generate_rights", verbosity=0)
    assert os.stat(rights_path).st_mtime_ns == first
    call_command("generate_rights", "--force", verbosity=0)
    assert "[principal]" in rights_path.read_text()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a directory")
    param_tools.set_global_parameter("rights_file_path", str(blocked / "rights"), app=APP)
    with pytest.raises(CommandError, match="Cannot write the Radicale rights file"):
        call_command("generate_rights", "--force", verbosity=0)
    assert rights_path.read_text().startswith("# Radicale rights")


@pytest.mark.django_db
def test_the_login_check_of_the_plugin(client, mailboxes, superadmin):
    def ask(username, password):
        return client.post(
            "/calendars/auth/",
            json.dumps({"username": username, "password": password}),
            content_type="application/json",
        )

    response = ask("Alice@Test.com", "Toto1234!")
    assert response.status_code == 200 and response.json() == {"user": "alice@test.com"}
    assert ask("alice@test.com", "wrong").status_code == 403
    # An account without mailbox (the super administrator) has no calendars.
    assert ask("admin", "password").status_code == 403
    login, secret = services.client.service_credentials()
    assert ask(login, secret).json() == {"user": login}
    assert ask(login, secret + "x").status_code == 403
    assert client.post("/calendars/auth/", "{", content_type="application/json").status_code == 400
    assert client.get("/calendars/auth/").status_code == 405
    # A disabled domain ends its users' calendars.
    domain = mailboxes["alice@test.com"].domain
    domain.enabled = False
    domain.save(update_fields=["enabled"])
    assert ask("alice@test.com", "Toto1234!").status_code == 403


@pytest.mark.django_db
def test_pages_list_what_each_one_may_see(client, mailboxes, superadmin, domain_admin):
    alice, eve = mailboxes["alice@test.com"], mailboxes["eve@other.com"]
    mine = UserCalendar.objects.create(mailbox=alice, name="Work <b>")
    theirs = UserCalendar.objects.create(mailbox=eve, name="Private")
    AccessRule.objects.create(mailbox=alice, calendar=theirs, read=True, write=False)
    SharedCalendar.objects.create(domain=eve.domain, name="Other holidays")
    client.force_login(alice.user)
    page = client.get("/calendars/").content.decode()
    assert "Work &lt;b&gt;" in page and "Work <b>" not in page
    assert "Other holidays" not in page
    assert "Private" in page  # shared with alice, read only
    assert client.get("/calendars/%d/share/" % theirs.pk).status_code == 403
    assert client.get("/calendars/%d/share/" % mine.pk).status_code == 200
    assert client.post("/calendars/user/%d/delete/" % theirs.pk).status_code == 403
    assert UserCalendar.objects.filter(pk=theirs.pk).exists()
    client.force_login(domain_admin)
    page = client.get("/calendars/").content.decode()
    assert "Private" not in page


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client):
    assert client.get("/calendars/").status_code == 302
