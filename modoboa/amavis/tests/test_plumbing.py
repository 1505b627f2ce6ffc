"""Router, system checks, AM.PDP client input and the parameters."""

import pytest

from modoboa.amavis import checks
from modoboa.amavis.dbrouter import AmavisRouter
from modoboa.amavis.models import Msgs
from modoboa.amavis.pdp import AmavisError, AmavisUnreachable, PDPClient
from modoboa.core.models import User


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_router_uses_the_amavis_connection_when_there_is_one(settings):
    router = AmavisRouter()
    assert router.db_for_read(Msgs) == "default"
    assert router.db_for_read(User) is None
    settings.DATABASES = {**settings.DATABASES, "amavis": settings.DATABASES["default"]}
    assert router.db_for_write(Msgs) == "amavis"
    assert router.allow_migrate("amavis", "admin") is False
    assert router.allow_migrate("amavis", "amavis") is True
    assert router.allow_migrate("default", "admin") is None


@pytest.mark.django_db
def test_encoding_check(settings):
    from django.db import connection

    actual = checks.database_encoding(connection)
    settings.AMAVIS_DEFAULT_DATABASE_ENCODING = actual
    assert checks.check_amavis_database() == []
    settings.AMAVIS_DEFAULT_DATABASE_ENCODING = "LATIN1"
    (warning,) = checks.check_amavis_database()
    assert warning.id == "modoboa-amavis.W001"
    assert "LATIN1 is expected" in warning.msg


def test_pdp_client_refuses_line_breaks_and_says_where_it_failed(tmp_path):
    client = PDPClient(mode="unix", socket_path=str(tmp_path / "none.sock"))
    with pytest.raises(AmavisError, match="Invalid value for mail_id"):
        client.release("abc\r\nrequest=release", "x", ["a@b.c"])
    with pytest.raises(AmavisUnreachable, match="none.sock"):
        client.release("abc", "x", ["a@b.c"])
    client = PDPClient(mode="inet", host="127.0.0.1", port=1)
    with pytest.raises(AmavisUnreachable, match="127.0.0.1:1"):
        client.release("abc", "x", ["a@b.c"])


@pytest.mark.django_db
def test_parameters_are_1_10s(superadmin):
    from modoboa.parameters import tools as param_tools

    values = param_tools.get_global_parameters("modoboa_amavis")
    assert values["max_messages_age"] == 14
    assert values["am_pdp_mode"] == "unix"
    assert values["am_pdp_port"] == 9998
    assert values["user_can_release"] is False
    assert values["notifications_sender"] == "notification@modoboa.org"
    assert superadmin.parameters.get_value("messages_per_page", app="modoboa_amavis") == 40


@pytest.mark.django_db(transaction=True)
def test_domain_operations_survive_missing_amavis_tables(superadmin, make_domain, caplog):
    from modoboa.amavis import schema
    from modoboa.amavis.services import policies

    schema.drop_tables()
    try:
        (warning,) = checks.check_amavis_database()
        assert warning.id == "modoboa-amavis.W003" and "msgs" in warning.msg
        domain = make_domain("notables.com")
        assert domain.pk
        assert "Amavis policy rows not updated" in caplog.text
        from django.test import Client
        from django.urls import reverse

        client = Client()
        client.force_login(superadmin)
        page = client.get(reverse("amavis:index"))
        assert page.status_code == 503
        assert "The quarantine database cannot be read" in page.content.decode()
        assert client.get(reverse("core:top_notifications_check")).status_code == 200
        answer = client.get("/api/v1/quarantine/")
        assert answer.status_code == 503
        assert "The quarantine database cannot be read" in answer.json()["non_field_errors"][0]
    finally:
        schema.create_tables()
    policies.sync_all_domains()
    assert policies.domain_policy_row("notables.com") is not None
    # Amavis' tables are not flushed after a transactional test.
    from modoboa.amavis.models import Policy, Users

    Users.objects.all().delete()
    Policy.objects.all().delete()


def test_an_sqlite_quarantine_gets_its_tables_from_migrate():
    from modoboa.amavis import settings as amavis_settings

    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "demo.sqlite3"}
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "amavis"}
    demo = {"DATABASES": {"default": sqlite}}
    amavis_settings.apply(demo)
    assert demo["AMAVIS_MANAGE_SCHEMA"] is True
    # Amavis' own database: its tables are Amavis' (README.sql-*).
    production = {"DATABASES": {"default": sqlite, "amavis": postgres}}
    amavis_settings.apply(production)
    assert "AMAVIS_MANAGE_SCHEMA" not in production
    # An explicit choice stands.
    chosen = {"DATABASES": {"default": sqlite}, "AMAVIS_MANAGE_SCHEMA": False}
    amavis_settings.apply(chosen)
    assert chosen["AMAVIS_MANAGE_SCHEMA"] is False
