"""Transports and the backend registry."""

import pytest
from django.core.exceptions import ValidationError

from modoboa.lib.exceptions import BadRequest, Conflict
from modoboa.transport import services
from modoboa.transport.backends import TransportBackend, manager
from modoboa.transport.models import Transport

pytestmark = pytest.mark.django_db


class EchoBackend(TransportBackend):
    name = "echo"
    label = "echo"
    settings = (
        {"name": "target", "type": "string", "required": True},
        {"name": "count", "type": "int", "default": 3},
        {"name": "loud", "type": "boolean", "default": False},
    )

    def serialize(self, transport):
        transport.next_hop = transport._settings["echo_target"]


@pytest.fixture
def echo_backend():
    manager.register_backend(EchoBackend)
    yield
    manager.backends.pop("echo", None)


def test_the_relay_backend_is_registered():
    assert ("relay", "relay") in [(n, str(label)) for n, label in manager.get_backend_choices()]
    assert [s["name"] for s in manager.get_all_backend_settings()["relay"]] == [
        "target_host",
        "target_port",
        "verify_recipients",
    ]


def test_an_extension_backend(echo_backend, superadmin):
    transport = services.create_transport(
        "echo.com", "echo", {"target": "x", "loud": "on"}, acting_user=superadmin
    )
    assert transport._settings == {"echo_target": "x", "echo_count": 3, "echo_loud": True}
    assert transport.next_hop == "x"
    services.update_transport(
        transport, acting_user=superadmin, settings_values={"echo_target": "y", "echo_count": "7"}
    )
    assert Transport.objects.get().next_hop == "y"
    assert Transport.objects.get()._settings["echo_count"] == 7


def test_errors_name_every_bad_setting(echo_backend, superadmin):
    with pytest.raises(BadRequest) as exc:
        services.create_transport("echo.com", "echo", {"count": "many"}, acting_user=superadmin)
    assert set(exc.value.errors) == {"echo_target", "echo_count"}


def test_one_transport_per_pattern(echo_backend, superadmin):
    services.create_transport("echo.com", "echo", {"target": "x"}, acting_user=superadmin)
    with pytest.raises(Conflict):
        services.create_transport("echo.com", "echo", {"target": "x"}, acting_user=superadmin)


def test_a_next_hop_longer_than_its_column_is_refused(echo_backend, superadmin):
    with pytest.raises(BadRequest) as exc:
        services.create_transport(
            "echo.com", "echo", {"target": "x" * 101}, acting_user=superadmin
        )
    assert exc.value.field == "next_hop"


def test_a_custom_validator(superadmin):
    def no_x(value):
        if "x" in value:
            raise ValidationError("no x")

    class Strict(EchoBackend):
        name = "strict"
        settings = ({"name": "target", "type": "string", "validator": no_x},)

    manager.register_backend(Strict)
    try:
        with pytest.raises(BadRequest) as exc:
            services.create_transport("s.com", "strict", {"target": "xx"}, acting_user=superadmin)
        assert exc.value.errors == {"strict_target": ["no x"]}
    finally:
        manager.backends.pop("strict", None)
