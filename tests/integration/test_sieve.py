"""Filters with the real Dovecot: the panel logs in with its master user,
stores scripts over ManageSieve, and LMTP delivery obeys them (checked over
IMAP), on the engine of the run.
"""

import imaplib
import poplib

import pytest

from modoboa.admin import services as admin_services
from modoboa.core import mail_access
from modoboa.parameters import tools as param_tools
from modoboa.sievefilters import client as sieve_client
from modoboa.sievefilters import services
from modoboa.sievefilters.rules import Action, Condition, Rule
from tests.fixtures.dovecot import _IMAP4From
from tests.fixtures.sieve import APP, create_folder, imap, message, subjects

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The master user ------------------------------------------------------------


def test_master_login_opens_imap_and_managesieve_for_the_user(alice, sieve_env):
    credentials = mail_access.credentials_for(alice)
    assert credentials.login == "alice@sieve.test*modoboa"
    assert credentials.secret not in repr(credentials)
    client = imap(sieve_env, credentials.login, credentials.secret)
    assert client.select("INBOX", readonly=True)[0] == "OK"
    client.logout()
    with services.session(alice) as server:
        assert "fileinto" in server.capabilities()


def test_master_login_refused_for_pop3_other_networks_and_wrong_secret(alice, sieve_env):
    credentials = mail_access.credentials_for(alice)
    pop = poplib.POP3("127.0.0.1", sieve_env.pop3_port, timeout=30)
    pop.user(credentials.login)
    with pytest.raises(poplib.error_proto):
        pop.pass_(credentials.secret)
    pop.quit()
    other = _IMAP4From("127.0.0.2", "127.0.0.1", sieve_env.imap_port, timeout=30)
    with pytest.raises(imaplib.IMAP4.error):
        other.login(credentials.login, credentials.secret)
    with pytest.raises(imaplib.IMAP4.error):
        imap(sieve_env, credentials.login, "not-the-secret")


def test_master_login_refused_for_a_disabled_account(alice, sieve_env, superadmin):
    admin_services.update_account(alice.user, acting_user=superadmin, is_active=False)
    with pytest.raises(sieve_client.SieveUnavailable, match="refused the panel's login"):
        services.list_filter_sets(alice)


def test_no_secret_file_gives_a_clear_error(alice, settings):
    settings.MODOBOA_MAIL_MASTER_SECRET_FILE = None
    with pytest.raises(sieve_client.SieveUnavailable, match="MODOBOA_MAIL_MASTER_SECRET_FILE"):
        services.list_filter_sets(alice)


def test_server_down_gives_a_clear_error(alice):
    from tests.fixtures.mailserver import free_port

    port = free_port()
    param_tools.set_global_parameter("port", port, app=APP)
    with pytest.raises(sieve_client.SieveUnavailable, match="127.0.0.1:%d does not answer" % port):
        services.list_filter_sets(alice)


# Filters --------------------------------------------------------------------


def test_a_saved_filter_moves_delivered_mail_into_the_chosen_folder(alice, sieve_env):
    create_folder(sieve_env, "Factures été")
    assert "Factures été" in services.folders(alice)
    services.create_filter_set(alice, "main", activate=True)
    services.save_rule(
        alice,
        "main",
        Rule(
            "Invoices « été »",
            "any",
            [Condition("Subject", "contains", 'invoice "42"\\')],
            [Action("fileinto", "Factures été")],
        ),
    )
    assert sieve_env.lmtp(["alice@sieve.test"], message('Your invoice "42"\\ is here')) == {}
    assert sieve_env.lmtp(["alice@sieve.test"], message("Something else")) == {}
    assert subjects(sieve_env, "Factures été") == ['Your invoice "42"\\ is here']
    assert subjects(sieve_env, "INBOX") == ["Welcome", "Something else"]


def test_a_disabled_filter_does_nothing(alice, sieve_env):
    create_folder(sieve_env, "Lists")
    services.create_filter_set(alice, "main", activate=True)
    rule = Rule(
        "Lists", "all", [Condition("Subject", "contains", "news")], [Action("fileinto", "Lists")]
    )
    services.save_rule(alice, "main", rule)
    services.set_rule_enabled(alice, "main", 0, False)
    assert sieve_env.lmtp(["alice@sieve.test"], message("The news")) == {}
    assert subjects(sieve_env, "Lists") == []
    assert subjects(sieve_env, "INBOX") == ["Welcome", "The news"]


def test_redirect_with_copy_reaches_the_other_address_and_keeps_one(alice, sieve_env):
    services.create_filter_set(alice, "main", activate=True)
    services.save_rule(
        alice,
        "main",
        Rule(
            "Forward boss",
            "all",
            [Condition("From", "is", "boss.test", part="domain")],
            [Action("redirect", "bob@elsewhere.test", copy=True)],
        ),
    )
    assert sieve_env.lmtp(["alice@sieve.test"], message("Orders", sender="chief@boss.test")) == {}
    redirected = [m for m in sieve_env.sink.messages if "bob@elsewhere.test" in m.recipients]
    assert len(redirected) == 1 and redirected[0].message["Subject"] == "Orders"
    assert subjects(sieve_env, "INBOX") == ["Welcome", "Orders"]


def test_a_hand_written_script_survives_a_form_edit_byte_for_byte(alice, sieve_env):
    hand = (
        'require ["envelope", "fileinto"];\r\n'
        "# Written by hand; keep me.\n"
        'if envelope :is "from" "x@y.test" {   discard;   }\n'
        "/* another\n   client */\n"
    )
    services.create_filter_set(alice, "mine", activate=True)
    services.save_raw(alice, "mine", hand)
    # Dovecot stores line breaks as CRLF; from then on, nothing changes.
    before = services.get_script(alice, "mine")
    assert before == hand.replace("\r\n", "\n").replace("\n", "\r\n")
    services.save_rule(
        alice,
        "mine",
        Rule("Spam", "all", [Condition("Subject", "is", "spam")], [Action("discard")]),
    )
    services.set_rule_enabled(alice, "mine", 0, False)
    stored = services.get_script(alice, "mine")
    assert before in stored
    assert services.read_filter_set(alice, "mine").rules()[0].enabled is False
    services.delete_rule(alice, "mine", 0)
    assert services.get_script(alice, "mine") == before


def test_a_script_the_server_rejects_shows_its_line_and_changes_nothing(alice, sieve_env):
    services.create_filter_set(alice, "main", activate=True)
    before = services.get_script(alice, "main")
    with pytest.raises(sieve_client.ScriptRejected) as error:
        services.save_raw(alice, "main", 'require ["fileinto"];\n\nfrobnicate "x";\n')
    assert error.value.line == 3
    assert "frobnicate" in str(error.value)
    assert services.get_script(alice, "main") == before


def test_filter_sets_create_activate_rename_delete(alice, sieve_env):
    services.create_filter_set(alice, "first", activate=True)
    services.create_filter_set(alice, "second")
    assert services.list_filter_sets(alice) == services.FilterSets("first", ["first", "second"])
    with pytest.raises(services.FilterError, match="already exists"):
        services.create_filter_set(alice, "second")
    with pytest.raises(services.FilterError, match="active filter set"):
        services.delete_filter_set(alice, "first")
    services.activate_filter_set(alice, "second")
    services.rename_filter_set(alice, "first", "old one")
    services.delete_filter_set(alice, "old one")
    assert services.list_filter_sets(alice) == services.FilterSets("second", ["second"])
    for hostile in ("../etc", 'a"b', "line\nbreak", ""):
        with pytest.raises(services.FilterError):
            services.create_filter_set(alice, hostile)
    assert services.list_filter_sets(alice).names == ["second"]


def test_the_quota_of_scripts_gives_a_clear_message(alice, sieve_env):
    for number in range(8):
        services.create_filter_set(alice, "set%d" % number)
    with pytest.raises(sieve_client.QuotaExceeded, match="no room"):
        services.create_filter_set(alice, "one too many")
    assert len(services.list_filter_sets(alice).names) == 8
