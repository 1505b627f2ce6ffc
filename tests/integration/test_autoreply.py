"""Away messages with the real Dovecot: the panel writes a Sieve vacation
rule over ManageSieve, LMTP delivery answers through an SMTP sink.
"""

import datetime

import pytest
from django.utils import timezone

from modoboa.autoreply import services
from modoboa.autoreply.models import ARmessage
from modoboa.parameters import tools as param_tools
from modoboa.sievefilters import services as sieve_services
from modoboa.sievefilters.rules import Action, Condition, Rule
from tests.fixtures.sieve import create_folder, subjects

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

_counter = iter(range(1_000_000))


def mail(sender, subject="Question", extra=""):
    return (
        "From: %s\r\nTo: Alice <alice@sieve.test>\r\nSubject: %s\r\n"
        "Message-ID: <m%d@outside.test>\r\n%s\r\nHello Alice.\r\n"
        % (sender, subject, next(_counter), extra)
    ).encode()


def replies_to(dovecot, address):
    return [m for m in dovecot.sink.messages if address in m.recipients]


def enable(mailbox, acting_user, **changes):
    values = {
        "subject": "Away until Monday",
        "content": "Hello, %(name)s is away until %(untildate)s.",
        "enabled": True,
        "fromdate": timezone.now() - datetime.timedelta(hours=1),
        "untildate": timezone.now() + datetime.timedelta(days=3),
    }
    values.update(changes)
    return services.set_message(mailbox, acting_user=acting_user, **values)


def test_the_first_mail_of_a_sender_is_answered_once_not_lists(alice, sieve_env):
    alice.user.first_name, alice.user.last_name = "Alice", "Liddell"
    alice.user.save()
    enable(alice, alice.user, subject='Away "now" \\ back soon')
    assert sieve_env.lmtp(["alice@sieve.test"], mail("bob@outside.test"), "bob@outside.test") == {}
    replies = replies_to(sieve_env, "bob@outside.test")
    assert len(replies) == 1
    reply = replies[0].message
    assert reply["Subject"] == 'Away "now" \\ back soon'
    assert "Alice Liddell is away until" in reply.get_content()
    assert reply["Auto-Submitted"].startswith("auto-replied")
    # Within :days, the same sender gets nothing more.
    assert sieve_env.lmtp(["alice@sieve.test"], mail("bob@outside.test"), "bob@outside.test") == {}
    assert len(replies_to(sieve_env, "bob@outside.test")) == 1
    # A list message is not answered.
    list_mail = mail("list@lists.test", extra="List-Id: <news.lists.test>\r\n")
    assert sieve_env.lmtp(["alice@sieve.test"], list_mail, "list@lists.test") == {}
    assert replies_to(sieve_env, "list@lists.test") == []
    # Every message is still delivered.
    assert subjects(sieve_env, "INBOX").count("Question") == 3


def test_no_answer_before_the_from_date_nor_after_the_until_date(alice, sieve_env):
    now = timezone.now()
    enable(alice, alice.user, fromdate=now + datetime.timedelta(days=1))
    assert (
        sieve_env.lmtp(["alice@sieve.test"], mail("carol@outside.test"), "carol@outside.test")
        == {}
    )
    assert replies_to(sieve_env, "carol@outside.test") == []
    # An until date past (the panel refuses to enable such a message, the
    # rule still checks it).
    message = ARmessage.objects.get(mbox=alice)
    message.fromdate = now - datetime.timedelta(days=3)
    message.untildate = now - datetime.timedelta(days=1)
    services.apply(message)
    assert (
        sieve_env.lmtp(["alice@sieve.test"], mail("dave@outside.test"), "dave@outside.test") == {}
    )
    assert replies_to(sieve_env, "dave@outside.test") == []


def test_the_away_message_coexists_with_filters_and_follows_the_active_set(alice, sieve_env):
    create_folder(sieve_env, "Work")
    sieve_env_set = "main"
    sieve_services.create_filter_set(alice, sieve_env_set, activate=True)
    sieve_services.save_rule(
        alice,
        sieve_env_set,
        Rule(
            "Work",
            "all",
            [Condition("Subject", "contains", "report")],
            [Action("fileinto", "Work")],
        ),
    )
    enable(alice, alice.user)
    assert (
        sieve_env.lmtp(
            ["alice@sieve.test"], mail("erin@outside.test", "The report"), "erin@outside.test"
        )
        == {}
    )
    assert subjects(sieve_env, "Work") == ["The report"]
    assert len(replies_to(sieve_env, "erin@outside.test")) == 1
    # The form edits the rules and leaves the away message alone.
    sieve_services.set_rule_enabled(alice, sieve_env_set, 0, False)
    assert sieve_services.read_filter_set(alice, sieve_env_set).away_text() is not None
    # Activating another set carries the away message over.
    sieve_services.create_filter_set(alice, "other", activate=True)
    assert sieve_services.read_filter_set(alice, "other").away_text() is not None
    assert sieve_services.read_filter_set(alice, sieve_env_set).away_text() is None
    assert (
        sieve_env.lmtp(["alice@sieve.test"], mail("frank@outside.test"), "frank@outside.test")
        == {}
    )
    assert len(replies_to(sieve_env, "frank@outside.test")) == 1
    # Disabled: the part goes away.
    enable(alice, alice.user, enabled=False)
    assert sieve_services.read_filter_set(alice, "other").away_text() is None


def test_server_down_leaves_the_database_unchanged(alice, sieve_env):
    from tests.fixtures.mailserver import free_port

    param_tools.set_global_parameter("port", free_port(), app="modoboa_sievefilters")
    with pytest.raises(services.AutoreplyError, match="does not answer"):
        enable(alice, alice.user)
    assert not ARmessage.objects.filter(mbox=alice).exists()


def test_mail_to_an_alias_of_the_user_is_answered(alice, sieve_env, superadmin):
    from modoboa.admin import services as admin_services

    admin_services.create_alias(
        acting_user=superadmin, address="ali@sieve.test", recipients=["alice@sieve.test"]
    )
    admin_services.create_alias(
        acting_user=superadmin, address="@sieve.test", recipients=["alice@sieve.test"]
    )
    enable(alice, alice.user)
    away = sieve_services.read_filter_set(
        alice, sieve_services.list_filter_sets(alice).active
    ).away_text()
    assert ':addresses ["alice@sieve.test", "ali@sieve.test"]' in away
    to_alias = mail("gina@outside.test").replace(
        b"To: Alice <alice@sieve.test>", b"To: ali@sieve.test"
    )
    assert sieve_env.lmtp(["alice@sieve.test"], to_alias, "gina@outside.test") == {}
    assert len(replies_to(sieve_env, "gina@outside.test")) == 1
