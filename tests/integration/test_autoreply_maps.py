"""Pipe mode (1.10) through Postfix's own lookups: ``postmap -q`` on the
transport map and the aliases map, on the engine of the run.
"""

import datetime

import pytest
from django.utils import timezone

from modoboa.autoreply import services
from modoboa.parameters import tools as param_tools

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_enabled_away_message_routes_a_copy_to_the_autoreply_transport(
    postfix_maps, make_domain, make_account
):
    param_tools.set_global_parameter("mode", "pipe", app="modoboa_postfix_autoreply")
    make_domain("pipe.test")
    account = make_account("ann@pipe.test", mailbox={"address": "ann@pipe.test"})
    assert postfix_maps.query("sql-autoreplies-transport.cf", "autoreply.pipe.test") is None
    services.set_message(
        account.mailbox,
        acting_user=account,
        subject="Off",
        content="Away",
        enabled=True,
        fromdate=timezone.now(),
        untildate=timezone.now() + datetime.timedelta(days=1),
    )
    assert (
        postfix_maps.query("sql-autoreplies-transport.cf", "autoreply.pipe.test") == "autoreply:"
    )
    assert postfix_maps.values("sql-aliases.cf", "ann@pipe.test") == [
        "ann@pipe.test",
        "ann@pipe.test@autoreply.pipe.test",
    ]
    services.set_message(
        account.mailbox,
        acting_user=account,
        subject="Off",
        content="Away",
        enabled=False,
        fromdate=timezone.now(),
    )
    assert postfix_maps.values("sql-aliases.cf", "ann@pipe.test") == ["ann@pipe.test"]
