"""The curl examples of ``docs/api.rst`` work as printed.

A client with nothing but the documentation must be able to create a
domain, an account with its mailbox, a domain administrator, aliases and a
relay domain. The examples are read from the page and run, in order, with
the real ``curl`` against a live server: only the instance URL, the token
and the primary keys the page could not know are substituted.
"""

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from modoboa.admin.models import Alias, Domain, Mailbox
from modoboa.core.models import User

from .world import PASSWORD

pytestmark = pytest.mark.engines("sqlite")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.rst"
CURL = "/usr/bin/curl"


def documented_commands():
    """The curl commands of the "Examples with curl" section, one string
    each (continuation lines joined).
    """
    text = PAGE.read_text()
    section = text.split("Examples with curl", 1)[1].split("\nExtensions\n", 1)[0]
    commands, current = [], None
    for line in section.splitlines():
        stripped = line.strip()
        if stripped.startswith("curl "):
            current = [stripped]
            commands.append(current)
        elif current is not None and stripped and line.startswith("     "):
            if commands[-1] is current and current[-1].endswith(("\\", "'", ",", "{", ":")):
                current.append(stripped)
                continue
            current = None
        else:
            current = None
    return [" ".join(part.rstrip("\\").strip() for part in command) for command in commands]


def run_curl(command, api, token, keys):
    """Run one documented command; return (HTTP status, body)."""
    for documented, real in keys.items():
        if documented in command:
            command = command.replace(documented, real())
    arguments = shlex.split(command)
    assert arguments[0] == "curl"
    arguments = [
        argument.replace("$API", api).replace("$AUTH", "Authorization: Token %s" % token)
        for argument in arguments[1:]
    ]
    result = subprocess.run(
        [CURL, "--write-out", "\n%{http_code}", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    body, _sep, status = result.stdout.rpartition("\n")
    return int(status), body


def pk_of(model, **filters):
    return model.objects.values_list("pk", flat=True).get(**filters)


@pytest.fixture
def token(transactional_db):
    from modoboa.core import services as core_services
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    admin = load_initial_data("admin", admin_password=PASSWORD)
    return core_services.set_api_access(admin, True, acting_user=admin)


def test_the_page_has_the_examples_of_every_creation():
    commands = documented_commands()
    for path in ("/domains/", "/accounts/", "/aliases/", "/relaydomains/"):
        assert any('-X POST "$API%s"' % path in command for command in commands), path


def test_every_curl_example_of_the_docs_works(token, live_server):
    api = live_server.url + "/api/v1"
    # The page's primary keys stand for the objects its examples created.
    keys = {
        "/accounts/12/": lambda: "/accounts/%d/" % pk_of(User, username="boss@example.org"),
        "/resources/12/": lambda: "/resources/%d/" % pk_of(User, username="boss@example.org"),
        "/aliases/7/": lambda: "/aliases/%d/" % pk_of(Alias, address="contact@example.org"),
    }
    answers = []
    for command in documented_commands():
        status, body = run_curl(command, api, token, keys)
        assert 200 <= status < 300, "%s\n-> %d %s" % (command, status, body)
        answers.append((command, body))

    domain = Domain.objects.get(name="example.org")
    assert (domain.quota, domain.default_mailbox_quota) == (500, 50)
    created = json.loads(answers[0][1])
    assert created["name"] == "example.org" and created["pk"] == domain.pk
    documented = re.search(r"\{\"pk\": 3.*?\}", PAGE.read_text(), re.S).group(0)
    assert set(json.loads(documented)) == set(created)

    jane = Mailbox.objects.get(address="jane", domain=domain)
    assert jane.quota == 100
    assert User.objects.get(username="jane@example.org").check_password("Str0ng-Passw0rd")
    boss = User.objects.get(username="boss@example.org")
    assert boss.role == "DomainAdmins"
    assert boss.check_password("An0ther-Passw0rd")
    assert not Alias.objects.filter(address="contact@example.org").exists()
    catchall = Alias.objects.get(address="@example.org")
    assert catchall.recipients == ["jane@example.org"]
    relay = Domain.objects.get(name="relayed.example")
    assert relay.type == "relaydomain"
    assert relay.transport.next_hop == "[mx.backend.example]:25"
    assert json.loads(answers[-1][1]) == {"exists": True}
