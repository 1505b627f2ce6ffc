"""The filters and away message pages of the console, against the real
Dovecot: what a user does in the browser (without JavaScript) reaches the
server, and delivered mail obeys it.
"""

import pytest
from django.urls import reverse

from modoboa.autoreply.models import ARmessage
from modoboa.parameters import tools as param_tools
from modoboa.sievefilters import services
from tests.fixtures.mailserver import free_port
from tests.fixtures.sieve import APP, create_folder, message, subjects

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def rule_post(name, **extra):
    data = {
        "name": name,
        "match": "any",
        "enabled": "on",
        "conditions-TOTAL_FORMS": "2",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "Subject",
        "conditions-0-operator": "contains",
        "conditions-0-value": "invoice",
        "conditions-0-part": "all",
        "conditions-1-field": "",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-action": "fileinto",
        "actions-0-folder": "Factures",
        "actions-1-action": "",
    }
    data.update(extra)
    return data


def test_a_filter_saved_in_the_console_moves_delivered_mail(client, alice, sieve_env):
    create_folder(sieve_env, "Factures")
    client.force_login(alice.user)
    response = client.post(reverse("sievefilters:index"), {"name": "main", "active": "on"})
    assert response.status_code == 302
    page = client.get(reverse("sievefilters:rule_new", args=["main"]))
    assert page.status_code == 200
    assert b'<option value="Factures">' in page.content
    response = client.post(reverse("sievefilters:rule_new", args=["main"]), rule_post("Bills"))
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"])
    assert "Bills" in page.content.decode()
    assert sieve_env.lmtp(["alice@sieve.test"], message("Your invoice")) == {}
    assert subjects(sieve_env, "Factures") == ["Your invoice"]
    # Editing shows the rule as saved, and saves it back unchanged.
    page = client.get(reverse("sievefilters:rule", args=["main", 0]))
    assert 'value="invoice"' in page.content.decode()
    before = services.get_script(alice, "main")
    data = rule_post("Bills", **{"conditions-INITIAL_FORMS": "1", "actions-INITIAL_FORMS": "1"})
    assert client.post(reverse("sievefilters:rule", args=["main", 0]), data).status_code == 302
    assert services.get_script(alice, "main") == before


def test_hostile_input_in_the_rule_form_is_quoted_or_refused(client, alice, sieve_env):
    client.force_login(alice.user)
    client.post(reverse("sievefilters:index"), {"name": "main", "active": "on"})
    hostile = rule_post(
        '<script>alert(1)</script>"',
        **{
            "conditions-0-value": '"; discard; # } if true { discard; }',
            "actions-0-action": "discard",
            "actions-0-folder": "",
        },
    )
    response = client.post(reverse("sievefilters:rule_new", args=["main"]), hostile)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    rule = services.read_filter_set(alice, "main").rules()[0]
    assert rule.conditions[0].value == '"; discard; # } if true { discard; }'
    # The injection attempt matches nothing: other mail stays in INBOX.
    assert sieve_env.lmtp(["alice@sieve.test"], message("Plain")) == {}
    assert "Plain" in subjects(sieve_env, "INBOX")
    for bad in (rule_post("two\nlines"), rule_post("x", **{"conditions-0-value": "a\nb"})):
        response = client.post(reverse("sievefilters:rule_new", args=["main"]), bad)
        assert response.status_code == 200
    assert len(services.read_filter_set(alice, "main").rules()) == 1


def test_the_raw_editor_shows_the_servers_error_and_keeps_the_script(client, alice, sieve_env):
    client.force_login(alice.user)
    client.post(reverse("sievefilters:index"), {"name": "main", "active": "on"})
    before = services.get_script(alice, "main")
    url = reverse("sievefilters:raw", args=["main"])
    response = client.post(url, {"content": 'require ["fileinto"];\nfileinto "x"\nstop;\n'})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The server refused the script" in page
    assert 'id="error-line"' in page
    assert services.get_script(alice, "main") == before
    response = client.post(url, {"content": "# mine\nkeep;\n"})
    assert response.status_code == 302
    assert services.get_script(alice, "main") == "# mine\r\nkeep;\r\n"
    download = client.get(reverse("sievefilters:download", args=["main"]))
    assert download["Content-Disposition"] == 'attachment; filename="main.sieve"'
    assert download.content == b"# mine\r\nkeep;\r\n"


def test_managesieve_down_gives_a_page_saying_so(client, alice):
    param_tools.set_global_parameter("port", free_port(), app=APP)
    client.force_login(alice.user)
    response = client.get(reverse("sievefilters:index"))
    assert response.status_code == 503
    assert "does not answer" in response.content.decode()


def test_an_account_without_mailbox_has_no_filters(client, superadmin):
    client.force_login(superadmin)
    assert client.get(reverse("sievefilters:index")).status_code == 403
    assert client.get(reverse("postfix_autoreply:index")).status_code == 403


def away_post(**extra):
    data = {
        "subject": "Off",
        "content": "Back on Monday, %(name)s",
        "fromdate": "2020-01-01T00:00",
        "untildate": "2099-01-01T00:00",
        "enabled": "on",
    }
    data.update(extra)
    return data


def test_the_user_sets_an_away_message_and_mail_is_answered(client, alice, sieve_env):
    client.force_login(alice.user)
    page = client.get(reverse("postfix_autoreply:index"))
    assert page.status_code == 200
    response = client.post(reverse("postfix_autoreply:index"), away_post())
    assert response.status_code == 302
    assert (
        sieve_env.lmtp(["alice@sieve.test"], message("Hi", "zoe@outside.test"), "zoe@outside.test")
        == {}
    )
    replies = [m for m in sieve_env.sink.messages if "zoe@outside.test" in m.recipients]
    assert len(replies) == 1 and replies[0].message["Subject"] == "Off"
    bad = away_post(untildate="2019-01-01T00:00", subject="Changed")
    response = client.post(reverse("postfix_autoreply:index"), bad)
    assert response.status_code == 400
    assert "This date is over." in response.content.decode()
    assert ARmessage.objects.get(mbox=alice).subject == "Off"


def test_an_administrator_sets_the_away_message_in_the_account_tab(
    client, alice, sieve_env, superadmin
):
    client.force_login(superadmin)
    url = reverse("admin:account_change", args=[alice.user.pk])
    page = client.get(url).content.decode()
    assert 'name="autoreply-subject"' in page
    form = {
        "general-username": "alice@sieve.test",
        "general-role": "SimpleUsers",
        "general-is_active": "on",
        "mail-email": "alice@sieve.test",
        "mail-quota_act": "on",
        "profile-language": "en",
    }
    form.update(
        {"autoreply-%s" % key: value for key, value in away_post(subject="Admin set").items()}
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ARmessage.objects.get(mbox=alice).subject == "Admin set"
    away = services.read_filter_set(alice, services.list_filter_sets(alice).active).away_text()
    assert '"Admin set"' in away


def test_the_raw_editor_preference_opens_the_raw_editor(client, alice, sieve_env):
    services.create_filter_set(alice, "main", activate=True)
    alice.user.parameters.set_value("editor_mode", "raw", app=APP)
    client.force_login(alice.user)
    response = client.get(reverse("sievefilters:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("sievefilters:raw", args=["main"])
    assert client.get(reverse("sievefilters:index") + "?set=main").status_code == 200


def test_the_page_says_when_a_set_holds_hand_written_commands(client, alice, sieve_env):
    services.create_filter_set(alice, "main", activate=True)
    client.force_login(alice.user)
    assert 'id="kept-parts"' not in client.get(reverse("sievefilters:index")).content.decode()
    services.save_raw(alice, "main", "# mine\nkeep;\n")
    assert 'id="kept-parts"' in client.get(reverse("sievefilters:index")).content.decode()


def test_editing_an_account_without_touching_the_tab_needs_no_mail_server(
    client, alice, superadmin
):
    param_tools.set_global_parameter("port", free_port(), app=APP)
    client.force_login(superadmin)
    url = reverse("admin:account_change", args=[alice.user.pk])
    form = {
        "general-username": "alice@sieve.test",
        "general-role": "SimpleUsers",
        "general-is_active": "on",
        "general-last_name": "Changed",
        "mail-email": "alice@sieve.test",
        "mail-quota_act": "on",
        "profile-language": "en",
    }
    assert client.post(url, form).status_code == 302
    form.update({"autoreply-%s" % key: value for key, value in away_post(enabled="").items()})
    assert client.post(url, form).status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.last_name == "Changed"
    assert not ARmessage.objects.filter(mbox=alice).exists()


def test_the_settings_menu_marks_the_filters_and_away_pages(client, alice, sieve_env):
    client.force_login(alice.user)
    page = client.get(reverse("postfix_autoreply:index")).content.decode()
    assert 'active" aria-current="page" href="/autoreply/"' in page
    assert 'href="/sfilters/">Message filters</a>' in page
