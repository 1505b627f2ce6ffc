"""``modo import`` and the import engine."""

import io

import pytest
from django.core.management import CommandError, call_command

from modoboa.admin import csv_import
from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.core.password_hashers import verify_password


def run_import(tmp_path, content, *args, name="import.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    out, err = io.StringIO(), io.StringIO()
    call_command("modo", "import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


FULL = """\
domain; example.org; 1000; 100; true
domainalias; example.net; example.org; Yes
relaydomain; relay.org; mx.relay.org; 2525; relay; y; TRUE
account;admin@example.org;{PLAIN}Secret1234;Ada;Min;1;DomainAdmins;admin@example.org;50;example.org
account; user1@example.org; {PLAIN}Secret1234; Usr; One; true; SimpleUsers; user1@example.org; 20
account; user2@example.org; {PLAIN}Secret1234; Usr; Two; no; SimpleUsers; user2@example.org;
alias; team@example.org; true; user1@example.org; user2@example.org
forward; fwd@example.org; 1; someone@elsewhere.test
dlist; list@example.org; 1; user1@example.org; team@example.org
alias; @example.org; true; user1@example.org
"""


def test_import_creates_every_row_type(tmp_path, superadmin):
    out, err = run_import(tmp_path, FULL)
    assert "10 created, 0 skipped, 0 failed" in out
    domain = Domain.objects.get(name="example.org")
    assert (domain.quota, domain.default_mailbox_quota, domain.enabled) == (1000, 100, True)
    assert DomainAlias.objects.get(name="example.net").target == domain
    relay = Domain.objects.get(name="relay.org")
    assert relay.type == "relaydomain"
    assert relay.transport._settings["relay_target_port"] == 2525
    assert relay.transport._settings["relay_verify_recipients"] is True
    admin = User.objects.get(username="admin@example.org")
    assert admin.role == constants.DOMAINADMINS
    assert admin.can_access(domain)
    user1 = User.objects.get(username="user1@example.org")
    assert user1.mailbox.quota == 20 and not user1.mailbox.use_domain_quota
    user2 = User.objects.get(username="user2@example.org")
    assert not user2.is_active
    assert user2.mailbox.use_domain_quota and user2.mailbox.quota == 100
    assert verify_password("Secret1234", user1.password)
    team = Alias.objects.get(address="team@example.org", internal=False)
    assert sorted(r.address for r in team.aliasrecipient_set.all()) == [
        "user1@example.org",
        "user2@example.org",
    ]
    assert Alias.objects.filter(address="@example.org", internal=False).exists()
    assert Alias.objects.get(address="list@example.org").aliasrecipient_set.count() == 2
    # Every mailbox has its internal self-alias pointing to it.
    for mailbox in Mailbox.objects.all():
        alias = Alias.objects.get(address=mailbox.full_address, internal=True)
        assert alias.aliasrecipient_set.get().r_mailbox == mailbox


def test_crypt_password_hashes_clear_passwords(tmp_path, superadmin, domain):
    content = "account; u1@test.com; Clear-pass1; ; ; 1; SimpleUsers; u1@test.com; 10\n"
    run_import(tmp_path, content, "--crypt-password")
    account = User.objects.get(username="u1@test.com")
    assert account.password.startswith("{SHA512-CRYPT}")
    assert verify_password("Clear-pass1", account.password)


def test_crypt_passwords_spelling_is_accepted(tmp_path, superadmin, domain):
    content = "account; u1@test.com; Clear-pass1; ; ; 1; SimpleUsers; u1@test.com; 10\n"
    run_import(tmp_path, content, "--crypt-passwords")
    assert verify_password("Clear-pass1", User.objects.get(username="u1@test.com").password)


def test_usernames_are_lowercased(tmp_path, superadmin, domain):
    run_import(tmp_path, "account; U1@Test.COM; {PLAIN}x; ; ; 1; simpleusers; ; \n")
    assert User.objects.get(username="u1@test.com").mailbox.full_address == "u1@test.com"


def test_other_separator(tmp_path, superadmin):
    run_import(tmp_path, "domain,sep.org,0,0,true\n", "--sepchar", ",")
    assert Domain.objects.filter(name="sep.org").exists()


def test_latin1_file_is_detected(tmp_path, superadmin, domain):
    content = (
        "account; rene@test.com; {PLAIN}x; René; Müller-Lüdenscheidt; 1; SimpleUsers; "
        "rene@test.com; 10\n"
    ) * 1
    run_import(tmp_path, content, encoding="latin-1")
    assert User.objects.get(username="rene@test.com").first_name == "René"


def test_malformed_line_names_file_line_and_field(tmp_path, superadmin):
    content = "domain; a.org; 10; 5; true\ndomain; b.org; ten; 5; true\n"
    with pytest.raises(CommandError) as info:
        run_import(tmp_path, content, name="bad.csv")
    message = str(info.value)
    assert "bad.csv" in message and "line 2" in message and "quota" in message
    assert not Domain.objects.filter(name="a.org").exists()


def test_missing_field_is_named(tmp_path, superadmin):
    with pytest.raises(CommandError) as info:
        run_import(tmp_path, "\n\ndomainalias; a.org\n", name="short.csv")
    assert "short.csv, line 3, field target" in str(info.value)


def test_relaydomain_needs_seven_fields(tmp_path, superadmin):
    with pytest.raises(CommandError, match="exactly 7 fields"):
        run_import(tmp_path, "relaydomain; r.org; host; 25; relay; true\n")


def test_refused_line_rolls_everything_back(tmp_path, superadmin, domain):
    content = (
        "domain; new.org; 0; 0; true\n"
        "account; a@test.com; {PLAIN}x; ; ; 1; SimpleUsers; a@test.com; 10\n"
        "account; b@nowhere.org; {PLAIN}x; ; ; 1; SimpleUsers; b@nowhere.org; 10\n"
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        out, err = run_import(tmp_path, content)
    assert not Domain.objects.filter(name="new.org").exists()
    assert not User.objects.filter(username="a@test.com").exists()


def test_errors_are_reported_per_line(tmp_path, superadmin, domain):
    content = (
        "account; a@test.com; {PLAIN}x; ; ; 1; SimpleUsers; a@test.com; 10\n"
        "account; b@nowhere.org; {PLAIN}x; ; ; 1; SimpleUsers; b@nowhere.org; 10\n"
        "account; c@test.com; {PLAIN}x; ; ; 1; SimpleUsers; c@test.com; 100\n"
        "domain; test.com; 0; 0; true\n"
    )
    result = csv_import.import_csv(content, acting_user=superadmin)
    assert result.rolled_back and result.created == 0 and result.failed == 3
    messages = {(e.line, e.field): e.message for e in result.errors}
    assert "nowhere.org" in messages[(2, "email")]
    assert "Domain quota exceeded" in messages[(3, "quota")]
    assert "already exists" in messages[(4, "name")]
    assert not User.objects.filter(username="a@test.com").exists()


def test_continue_if_exists_skips_duplicates_and_keeps_the_rest(tmp_path, superadmin, domain):
    content = (
        "domain; test.com; 0; 0; true\n"
        "account; a@test.com; {PLAIN}x; ; ; 1; SimpleUsers; a@test.com; 10\n"
        "account; a@test.com; {PLAIN}x; ; ; 1; SimpleUsers; a@test.com; 10\n"
        "account; b@nowhere.org; {PLAIN}x; ; ; 1; SimpleUsers; b@nowhere.org; 10\n"
    )
    result = csv_import.import_csv(content, acting_user=superadmin, continue_if_exists=True)
    assert (result.created, result.skipped, result.failed) == (1, 2, 1)
    assert [e.line for e in result.errors] == [4]
    assert User.objects.filter(username="a@test.com").exists()


def test_unknown_row_type_is_skipped(superadmin):
    result = csv_import.import_csv(
        "mailinglist; x; y\ndomain; a.org; 0; 0; 1\n", acting_user=superadmin
    )
    assert (result.created, result.skipped) == (1, 1)
    assert "Unknown row type" in str(result.warnings[0])


def test_domain_admin_cannot_import_into_foreign_domain(domain_admin, other_domain):
    content = (
        "account; x@test.com; {PLAIN}Secret1234; ; ; 1; SimpleUsers; x@test.com; 5\n"
        "account; y@test2.com; {PLAIN}Secret1234; ; ; 1; SimpleUsers; y@test2.com; 5\n"
    )
    result = csv_import.import_csv(content, acting_user=domain_admin, continue_if_exists=True)
    assert result.created == 1
    assert [(e.line, e.field) for e in result.errors] == [(2, "email")]
    assert "test2.com" in result.errors[0].message
    assert not User.objects.filter(username="y@test2.com").exists()


def test_domain_admin_mailbox_limit_is_applied(domain_admin):
    lines = "".join(
        "account; m%d@test.com; {PLAIN}Secret1234; ; ; 1; SimpleUsers; m%d@test.com; 1\n" % (i, i)
        for i in range(6)
    )
    result = csv_import.import_csv(lines, acting_user=domain_admin, continue_if_exists=True)
    # The fixture allows the domain administrator 5 mailboxes of its own.
    assert result.created == 5
    assert [e.line for e in result.errors] == [6]
    assert all("limit" in e.message.lower() for e in result.errors)


def test_domain_admin_cannot_import_superadmins(domain_admin):
    result = csv_import.import_csv(
        "account; boss; {PLAIN}x; ; ; 1; SuperAdmins\n", acting_user=domain_admin
    )
    assert result.failed == 1 and result.errors[0].field == "role"
    assert not User.objects.filter(username="boss").exists()


def test_negative_quota_is_refused_per_line(superadmin, domain):
    result = csv_import.import_csv(
        "account; q@test.com; {PLAIN}x; ; ; 1; SimpleUsers; q@test.com; -5\n",
        acting_user=superadmin,
    )
    assert result.failed == 1 and result.errors[0].field == "quota"


def test_import_as_named_user(tmp_path, domain_admin, other_domain):
    content = "account; y@test2.com; {PLAIN}x; ; ; 1; SimpleUsers; y@test2.com; 5\n"
    with pytest.raises(CommandError):
        run_import(tmp_path, content, "--user", "admin@test.com")
    assert not User.objects.filter(username="y@test2.com").exists()
    run_import(tmp_path, content)
    assert User.objects.filter(username="y@test2.com").exists()


def test_help_documents_the_format():
    import importlib

    module = importlib.import_module("modoboa.admin.management.subcommands.import")
    text = module.Command().create_parser("manage.py", "modo import").format_help()
    for word in (
        "--sepchar",
        "--continue-if-exists",
        "--crypt-password",
        "relaydomain",
        "domainalias",
        "account;",
        "alias;",
        "SimpleUsers",
        "yes",
    ):
        assert word in text


def test_many_clear_passwords_are_hashed_in_parallel(superadmin, domain):
    from modoboa.admin.services import bulk

    count = bulk.PARALLEL_HASH_THRESHOLD + 8
    lines = "".join(
        "account; p%d@test.com; Strong-Pass-%d; ; ; 1; SimpleUsers; p%d@test.com; 1\n" % (i, i, i)
        for i in range(count)
    )
    result = csv_import.import_csv(lines, acting_user=superadmin, crypt_passwords=True)
    assert result.created == count
    hashes = dict(
        User.objects.filter(username__startswith="p").values_list("username", "password")
    )
    assert len(set(hashes.values())) == count
    for i in (0, count - 1):
        assert verify_password("Strong-Pass-%d" % i, hashes["p%d@test.com" % i])


@pytest.mark.parametrize(
    "value,expected",
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("Y", True),
        ("y", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("", False),
        ("enabled", False),
    ],
)
def test_boolean_spellings(value, expected):
    assert csv_import.parse_boolean(value) is expected


def test_progress_bar_on_request(tmp_path, superadmin):
    _out, err = run_import(
        tmp_path, "domain; a.org; 0; 0; 1\ndomain; b.org; 0; 0; 1\n", "--progress"
    )
    assert "[" + "#" * 40 + "] 2/2" in err


def test_no_progress_bar_off_a_terminal(tmp_path, superadmin):
    _out, err = run_import(tmp_path, "domain; a.org; 0; 0; 1\n")
    assert "#" not in err


def test_bulk_rows_keep_service_rules_for_duplicates_and_unknown_domains(superadmin, domain):
    lines = (
        "account; d1@test.com; {PLAIN}x; ; ; 1; SimpleUsers; d1@test.com; 1\n"
        "account; d1@test.com; {PLAIN}x; ; ; 1; SimpleUsers; d1@test.com; 1\n"
        "account; d2@test.com; {PLAIN}x; ; ; 1; SimpleUsers; other@test.com; 1\n"
        "account; d3@test.com; ; ; ; 1; SimpleUsers; d3@test.com; 1\n"
        "account; d4@test.com; {PLAIN}x; ; ; 1; SimpleUsers; d4@test.com; 0\n"
    )
    result = csv_import.import_csv(lines, acting_user=superadmin, continue_if_exists=True)
    assert (result.created, result.skipped, result.failed) == (2, 1, 2)
    assert [(e.line, e.field) for e in result.errors] == [(3, "email"), (4, "password")]
    # A superuser may give no quota in a domain that has one, as in the console.
    assert Mailbox.objects.get(address="d4").quota == 0


def test_imported_objects_are_audited(superadmin, domain):
    from reversion.models import Version

    from modoboa.core.models import Log

    csv_import.import_csv(
        "account; au@test.com; {PLAIN}x; ; ; 1; SimpleUsers; au@test.com; 1\n",
        acting_user=superadmin,
    )
    account = User.objects.get(username="au@test.com")
    assert Log.objects.filter(message="User 'au@test.com' added by user admin").exists()
    assert Log.objects.filter(message="Mailbox 'au@test.com' added by user admin").exists()
    version = Version.objects.get_for_object(account).get()
    assert version.revision.user == superadmin
    assert version.field_dict["username"] == "au@test.com"
    from modoboa.core import access

    assert access.get_owner(account) == superadmin
    assert access.get_owner(account.mailbox) == superadmin


def test_refused_lines_are_never_hashed(domain_admin, other_domain, monkeypatch):
    """Every line is authorised before any password is hashed: a thousand
    lines for a foreign domain cost no hashing at all (issue 14).
    """
    from modoboa.core import password_hashers

    calls = []
    real = password_hashers.make_password

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(password_hashers, "make_password", counting)
    lines = "".join(
        "account; f%d@test2.com; Strong-Pass-%d; ; ; 1; SimpleUsers; f%d@test2.com; 1\n"
        % (i, i, i)
        for i in range(1000)
    )
    lines += "account; mine@test.com; Strong-Pass-0; ; ; 1; SimpleUsers; mine@test.com; 1\n"
    lines += "account; boss; Strong-Pass-1; ; ; 1; SuperAdmins\n"
    result = csv_import.import_csv(
        lines, acting_user=domain_admin, crypt_passwords=True, continue_if_exists=True
    )
    assert result.created == 1
    assert result.failed == 1001
    assert calls == ["Strong-Pass-0"]
    assert result.errors[0].line == 1 and "test2.com" in result.errors[0].message
    assert result.errors[-1].field == "role"


def test_mailboxes_beyond_the_limit_are_refused_before_hashing(domain_admin, monkeypatch):
    from modoboa.core import password_hashers

    calls = []
    real = password_hashers.make_password
    monkeypatch.setattr(
        password_hashers, "make_password", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    lines = "".join(
        "account; m%d@test.com; Strong-Pass-%d; ; ; 1; SimpleUsers; m%d@test.com; 1\n" % (i, i, i)
        for i in range(40)
    )
    result = csv_import.import_csv(
        lines, acting_user=domain_admin, crypt_passwords=True, continue_if_exists=True
    )
    # The fixture allows the domain administrator 5 mailboxes of its own.
    assert result.created == 5
    assert len(calls) == 5
    assert all("limit" in e.message.lower() for e in result.errors)


def test_plain_hashes_follow_the_password_policy_for_administrators(domain_admin, superadmin):
    line = "account; weak@test.com; {PLAIN}password; ; ; 1; SimpleUsers; weak@test.com; 1\n"
    result = csv_import.import_csv(line, acting_user=domain_admin)
    assert result.failed == 1 and result.errors[0].field == "password"
    assert not User.objects.filter(username="weak@test.com").exists()
    # Legacy hashes carried over by a super administrator are its choice.
    assert csv_import.import_csv(line, acting_user=superadmin).created == 1


def test_import_cannot_take_the_address_of_an_account_above(domain_admin, superadmin):
    from modoboa.admin import services

    services.update_account(superadmin, acting_user=superadmin, secondary_email="root@test.com")
    line = "account; root@test.com; Strong-Pass-1; ; ; 1; SimpleUsers; root@test.com; 1\n"
    result = csv_import.import_csv(line, acting_user=domain_admin, crypt_passwords=True)
    assert result.failed == 1 and "cannot administer" in result.errors[0].message
    assert not User.objects.filter(username="root@test.com").exists()


def test_hashing_processes_die_with_their_parent(tmp_path):
    """A gunicorn worker killed for its timeout must not leave hashing
    processes behind (issue 14): they ignore SIGTERM no longer, and die with
    their parent.
    """
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import signal, sys\n"
        "signal.signal(signal.SIGTERM, lambda *a: None)  # like a gunicorn worker\n"
        "from modoboa.admin.services import bulk\n"
        "print('started', flush=True)\n"
        "bulk.hash_passwords(['Strong-Pass-1'] * 4000, 'sha512crypt', 200000, workers=2)\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="modoboa.test_settings")
    parent = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert parent.stdout.readline().strip() == b"started"
    children = []
    deadline = time.monotonic() + 30
    while len(children) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        path = "/proc/%d/task/%d/children" % (parent.pid, parent.pid)
        with open(path) as fp:
            children = [int(pid) for pid in fp.read().split()]
    assert len(children) >= 2
    assert parent.poll() is None, "the hashing ended too early"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    # Each process has a minute of hashing queued: it must not finish it.
    deadline = time.monotonic() + 5
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in children if _running(pid)]
    assert alive == []


def _running(pid):
    try:
        with open("/proc/%d/stat" % pid) as fp:
            return fp.read().split(")")[-1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
