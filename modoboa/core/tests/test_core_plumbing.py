"""Core helpers: passwords, the instance configuration row, the extension
registry, the signals of section 11 and the admin log handler."""

import logging

import pytest
from django.core.exceptions import ValidationError

from modoboa.admin import signals as admin_signals
from modoboa.core import services, signals
from modoboa.core.extensions import ExtensionsPool, ModoExtension
from modoboa.core.logging_handlers import SafeSysLogHandler, SQLHandler
from modoboa.core.models import LocalConfig, Log
from modoboa.core.password_validation import ComplexityValidator
from modoboa.lib.exceptions import BadRequest

pytestmark = pytest.mark.django_db


def test_random_passwords_follow_the_length_parameter_and_complexity(superadmin):
    from modoboa.parameters import tools as param_tools

    for _i in range(20):
        value = services.random_password()
        assert len(value) == 8 and value.isalnum()
        services.validate_password(value)
    param_tools.set_global_parameter("random_password_length", 20, app="core")
    assert len(services.random_password()) == 20
    # Never shorter than 8, whatever is asked.
    assert len(services.random_password(3)) == 8


def test_validate_password_names_the_field():
    with pytest.raises(BadRequest) as exc:
        services.validate_password("abc", field="new_password")
    assert exc.value.field == "new_password"
    with pytest.raises(BadRequest):
        services.validate_password("")


def test_complexity_validator():
    validator = ComplexityValidator(upper=2, lower=1, digits=1, specials=1)
    validator.validate("ABcd1!")
    with pytest.raises(ValidationError) as exc:
        validator.validate("      ")
    assert len(exc.value.messages) == 4
    assert "2 uppercase letters" in validator.get_help_text()


def test_there_is_one_configuration_row(superadmin):
    assert LocalConfig.objects.count() == 1
    first = services.ensure_localconfig()
    assert services.ensure_localconfig().pk == first.pk
    assert LocalConfig.objects.get().site_id == 1


def test_core_and_admin_signals_of_section_11_exist():
    for name in (
        "account_auto_created",
        "account_exported",
        "account_imported",
        "account_deleted",
        "account_role_changed",
        "account_password_updated",
        "allow_password_change",
        "can_create_object",
        "extra_account_actions",
        "extra_admin_dashboard_widgets",
        "extra_admin_menu_entries",
        "extra_role_permissions",
        "extra_static_content",
        "extra_uprefs_routes",
        "extra_user_menu_entries",
        "get_announcements",
        "get_top_notifications",
        "initial_data_loaded",
        "register_postfix_maps",
        "user_can_set_role",
        "user_login",
        "user_logout",
    ):
        assert hasattr(signals, name), name
    for name in (
        "check_extra_account_form",
        "extra_account_dashboard_widgets",
        "extra_account_forms",
        "extra_admin_content",
        "extra_domain_actions",
        "extra_domain_dashboard_widgets",
        "extra_domain_filters",
        "extra_domain_forms",
        "extra_domain_menu_entries",
        "extra_domain_qset_filters",
        "extra_domain_wizard_steps",
        "get_account_form_instances",
        "get_domain_form_instances",
        "import_object",
        "use_external_recipients",
        "new_dkim_keys",
    ):
        assert hasattr(admin_signals, name), name


def test_initial_data_loaded_is_fired_per_extension(db):
    from modoboa.core.extensions import exts_pool
    from modoboa.core.management.commands.load_initial_data import load_initial_data

    class Demo(ModoExtension):
        name = "demo_ext"
        label = "Demo"
        loaded = 0

        def load_initial_data(self):
            type(self).loaded += 1

    seen = []

    def receiver(sender, extname, **kwargs):
        seen.append(extname)

    exts_pool.register_extension(Demo)
    signals.initial_data_loaded.connect(receiver)
    try:
        load_initial_data("admin")
    finally:
        signals.initial_data_loaded.disconnect(receiver)
        exts_pool.unregister_extension("demo_ext")
    assert "demo_ext" in seen and Demo.loaded == 1


def test_the_extension_registry():
    pool = ExtensionsPool()

    class Hidden(ModoExtension):
        name = "hidden"
        label = "Hidden"

    class Shown(ModoExtension):
        name = "shown"
        label = "Shown"
        version = "1.2"
        url = "here"
        topredirection_url = "/here/"

    pool.register_extension(Hidden, show=False)
    pool.register_extension(Shown)
    assert [e["name"] for e in pool.list_all()] == ["shown"]
    assert pool.get_extension_infos("shown") == {
        "name": "shown",
        "label": "Shown",
        "version": "1.2",
        "description": "",
        "url": "here",
        "topredirection_url": "/here/",
    }
    assert pool.get_extension("hidden").get_url() == "hidden"
    assert pool.get_extension("missing") is None
    # An application without a modo_extension module is no extension.
    assert pool.load_extension("modoboa.lib") is None


def test_admin_log_lines_are_stored_and_cut_to_the_column(db):
    logger = logging.getLogger("modoboa.admin")
    logger.warning("x" * 300)
    line = Log.objects.get()
    assert (line.level, line.logger, len(line.message)) == ("WARNING", "modoboa.admin", 255)
    assert isinstance(SQLHandler(), logging.Handler)


def test_syslog_without_a_daemon_never_fails(tmp_path):
    handler = SafeSysLogHandler(address=str(tmp_path / "no-such-socket"))
    handler.emit(logging.LogRecord("modoboa.auth", logging.INFO, "", 0, "hello", (), None))
