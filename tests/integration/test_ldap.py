"""LDAP authentication against a real slapd (see tests/fixtures/slapd.py)."""

import ldap
import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from modoboa.admin import services as admin_services
from modoboa.admin.models import Domain, Mailbox
from modoboa.core import constants
from modoboa.core.models import Log, User
from modoboa.lib.authbackends import backend_errors
from modoboa.lib.exceptions import BadRequest
from modoboa.parameters import tools as param_tools
from tests.fixtures.slapd import (
    GROUPOFNAMES_ADMINS,
    POSIX_ADMINS,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SUFFIX,
    free_port,
    person_dn,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BACKENDS = [
    "modoboa.lib.authbackends.LDAPBackend",
    "django.contrib.auth.backends.ModelBackend",
]
NEW_PASSWORD = "Changed42!x"


@pytest.fixture
def ldap_auth(ldap_directory, superadmin, settings):
    """LDAP authentication on, in search-and-bind mode, by mail address."""
    settings.AUTHENTICATION_BACKENDS = BACKENDS

    def configure(**overrides):
        values = {
            "authentication_type": "ldap",
            "ldap_server_address": ldap_directory.host,
            "ldap_server_port": ldap_directory.port,
            "ldap_secured": "none",
            "ldap_auth_method": "searchbind",
            "ldap_bind_dn": SERVICE_DN,
            "ldap_bind_password": SERVICE_PASSWORD,
            "ldap_search_base": SUFFIX,
            "ldap_search_filter": "(mail=%(user)s)",
            "ldap_user_dn_template": "",
            "ldap_password_attribute": "userPassword",
            "ldap_is_active_directory": False,
            "ldap_admin_groups": "",
            "ldap_group_type": "posixgroup",
            "ldap_groups_search_base": "ou=groups,%s" % SUFFIX,
        }
        values.update(overrides)
        param_tools.get_localconfig().parameters.set_values(values, app="core")

    configure()
    configure.directory = ldap_directory
    return configure


def _request():
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.7")


def login(username, password):
    request = _request()
    user = authenticate(request, username=username, password=password)
    return user, request


def test_search_bind_first_login_creates_account_domain_and_mailbox(ldap_auth):
    user, _request = login("alice@example.test", "Secret123!")
    assert user is not None
    assert user.username == "alice@example.test"
    assert not user.is_local
    assert user.role == constants.SIMPLEUSERS
    assert (user.first_name, user.last_name) == ("Alice", "Example")
    assert not user.has_usable_password()
    mailbox = Mailbox.objects.get(user=user)
    assert mailbox.full_address == "alice@example.test"
    assert mailbox.use_domain_quota
    assert Domain.objects.filter(name="example.test").exists()
    assert Log.objects.filter(
        message__startswith="Account alice@example.test created at its first login (LDAP"
    ).exists()
    # The second login finds the same account.
    again, _request = login("alice@example.test", "Secret123!")
    assert again.pk == user.pk
    assert User.objects.filter(username="alice@example.test").count() == 1


def test_wrong_password_creates_nothing(ldap_auth):
    user, request = login("alice@example.test", "Wrong123!")
    assert user is None
    assert backend_errors(request) == []
    assert not User.objects.filter(username="alice@example.test").exists()


def test_username_is_lower_cased(ldap_auth):
    user, _request = login("FRANK@AutoCreated.test", "Frank678!")
    assert user.username == "frank@autocreated.test"
    assert Domain.objects.get(name="autocreated.test")


def test_direct_bind_logs_in_with_the_dn_template(ldap_auth):
    ldap_auth(
        ldap_auth_method="directbind",
        ldap_user_dn_template="uid=%(user)s,ou=people," + SUFFIX,
        ldap_bind_dn="",
        ldap_bind_password="",
    )
    user, _request = login("grace@example.test", "Grace901!")
    assert user is not None and not user.is_local
    assert Mailbox.objects.get(user=user).full_address == "grace@example.test"
    # The entry has no givenName: the account simply has no first name.
    assert user.first_name == "" and user.last_name == "Example"
    assert login("grace@example.test", "Wrong901!")[0] is None


def test_posix_group_member_becomes_domain_admin(ldap_auth):
    ldap_auth(ldap_search_filter="(uid=%(user)s)", ldap_admin_groups="other;" + POSIX_ADMINS[0])
    user, _request = login("dave", "Davey012!")
    assert user is not None
    assert user.role == constants.DOMAINADMINS
    # Not an address: no domain, no mailbox.
    assert not Mailbox.objects.filter(user=user).exists()


def test_group_of_names_member_becomes_domain_admin(ldap_auth):
    ldap_auth(ldap_group_type="groupofnames", ldap_admin_groups=GROUPOFNAMES_ADMINS[0])
    admin, _request = login("eve@example.test", "EveEve345!")
    assert admin.role == constants.DOMAINADMINS
    assert Mailbox.objects.get(user=admin).full_address == "eve@example.test"
    # A member of no administrator group stays a simple user.
    user, _request = login("bob@example.test", "Bobby456!")
    assert user.role == constants.SIMPLEUSERS


def test_group_type_must_match_the_directory(ldap_auth):
    # webadmins is a groupOfNames: searched as posixGroups it is not found.
    ldap_auth(ldap_group_type="posixgroup", ldap_admin_groups=GROUPOFNAMES_ADMINS[0])
    user, _request = login("eve@example.test", "EveEve345!")
    assert user.role == constants.SIMPLEUSERS


UID_OR_MAIL = "(|(uid=%(user)s)(mail=%(user)s))"


def test_uid_or_address_reach_the_same_account(ldap_auth):
    """The most common layout: entries ``uid=bob`` with ``mail=bob@...``;
    the user types either.
    """
    ldap_auth(ldap_search_filter=UID_OR_MAIL)
    user, _request = login("bob", "Bobby456!")
    assert user is not None
    assert user.username == "bob@example.test"
    assert user.email == "bob@example.test"
    assert user.role == constants.SIMPLEUSERS
    assert Mailbox.objects.get(user=user).full_address == "bob@example.test"
    again, _request = login("bob@example.test", "Bobby456!")
    assert again.pk == user.pk
    third, _request = login("BOB", "Bobby456!")
    assert third.pk == user.pk
    assert not User.objects.filter(username="bob").exists()
    assert User.objects.filter(username__startswith="bob").count() == 1
    assert login("bob", "Wrong456!")[0] is None


def test_account_named_after_its_address_changes_its_directory_password(ldap_auth):
    from modoboa.core import ldap as ldap_conf

    ldap_auth(ldap_search_filter="(uid=%(user)s)")
    user, _request = login("bob", "Bobby456!")
    assert user.username == "bob@example.test"
    ldap_conf.change_password(user.username, NEW_PASSWORD, old_password="Bobby456!")
    assert ldap_auth.directory.can_bind(person_dn("bob"), NEW_PASSWORD)
    assert login("bob", NEW_PASSWORD)[0].pk == user.pk


def test_address_first_then_uid_reach_the_same_account(ldap_auth):
    ldap_auth(ldap_search_filter=UID_OR_MAIL)
    first, _request = login("alice@example.test", "Secret123!")
    again, _request = login("alice", "Secret123!")
    assert first.pk == again.pk


def test_direct_bind_uid_login_is_named_after_the_mail_attribute(ldap_auth):
    ldap_auth(
        ldap_auth_method="directbind",
        ldap_user_dn_template="uid=%(user)s,ou=people," + SUFFIX,
        ldap_bind_dn="",
        ldap_bind_password="",
    )
    user, _request = login("alice", "Secret123!")
    assert user is not None and not user.is_local
    assert user.username == "alice@example.test"
    assert Mailbox.objects.get(user=user).full_address == "alice@example.test"
    again, _request = login("Alice", "Secret123!")
    assert again.pk == user.pk
    assert login("alice", "Wrong123!")[0] is None


def test_administrator_chooses_the_address_attribute(ldap_auth):
    conn = ldap_auth.directory.connect()
    try:
        conn.modify_s(person_dn("bob"), [(ldap.MOD_ADD, "description", [b"robert@other.test"])])
    finally:
        conn.unbind_s()
    ldap_auth(ldap_search_filter="(uid=%(user)s)", ldap_email_attribute="description")
    user, _request = login("bob", "Bobby456!")
    assert user.username == "robert@other.test"
    assert Mailbox.objects.get(user=user).full_address == "robert@other.test"


@pytest.mark.parametrize("method", ["searchbind", "directbind"])
def test_entry_without_an_address_is_refused_naming_the_attribute(ldap_auth, method):
    """dave has no mail attribute: logging in with its uid, it has no
    address to be named by; the refusal says which attribute is missing.
    """
    from modoboa.core.auth import LoginRefused

    options = {"ldap_search_filter": "(uid=%(user)s)"}
    if method == "directbind":
        options = {
            "ldap_auth_method": "directbind",
            "ldap_user_dn_template": "uid=%(user)s,ou=people," + SUFFIX,
            "ldap_bind_dn": "",
            "ldap_bind_password": "",
        }
    ldap_auth(**options)
    with pytest.raises(LoginRefused) as info:
        login("dave", "Davey012!")
    assert info.value.status == 403
    assert "no usable email address in its attribute 'mail'" in info.value.message
    assert not User.objects.filter(username="dave").exists()
    assert Log.objects.filter(
        message="LDAP account 'dave' could not be created: no usable address in attribute mail"
    ).exists()
    # bob has a mail, but not in the attribute chosen.
    ldap_auth(ldap_email_attribute="description", **options)
    with pytest.raises(LoginRefused) as info:
        login("bob", "Bobby456!")
    assert "attribute 'description'" in info.value.message
    assert not User.objects.filter(username__startswith="bob").exists()


def test_automatic_creation_can_be_turned_off(ldap_auth):
    param_tools.get_localconfig().parameters.set_value(
        "auto_create_domain_and_mailbox", False, app="admin"
    )
    user, _request = login("alice@example.test", "Secret123!")
    assert user is not None
    assert not Mailbox.objects.filter(user=user).exists()
    assert not Domain.objects.filter(name="example.test").exists()


def test_existing_domain_gets_the_mailbox_with_its_quota(ldap_auth, make_domain):
    make_domain("example.test", quota=100, default_mailbox_quota=20)
    user, _request = login("bob@example.test", "Bobby456!")
    mailbox = Mailbox.objects.get(user=user)
    assert mailbox.quota == 20
    assert Domain.objects.filter(name="example.test").count() == 1


def test_domain_alias_gets_no_mailbox(ldap_auth, make_domain):
    target = make_domain("target.test")
    admin_services.create_domain_alias(acting_user=None, name="example.test", target=target)
    user, _request = login("bob@example.test", "Bobby456!")
    assert user is not None
    assert not Mailbox.objects.filter(user=user).exists()
    assert not Domain.objects.filter(name="example.test").exists()


def test_mailbox_conflict_refuses_login_and_rolls_back(ldap_auth, make_domain, make_account):
    """A local alias already uses the address: the mailbox cannot be made,
    so neither is the account.
    """
    from modoboa.core.auth import LoginRefused

    make_domain("example.test")
    admin_services.create_alias(
        acting_user=None, address="bob@example.test", recipients=["someone@else.test"]
    )
    with pytest.raises(LoginRefused) as info:
        login("bob@example.test", "Bobby456!")
    assert "could not be created" in info.value.message
    assert not User.objects.filter(username="bob@example.test").exists()


def test_directory_never_vouches_for_a_local_account(ldap_auth, make_domain, make_account):
    make_domain("example.test")
    local = make_account("alice@example.test", password="LocalPass1!")
    assert login("alice@example.test", "Secret123!")[0] is None
    user, _request = login("alice@example.test", "LocalPass1!")
    assert user.pk == local.pk and user.is_local


def test_local_superadmin_still_logs_in(ldap_auth):
    user, _request = login("admin", "password")
    assert user is not None and user.is_superuser


def test_parameters_apply_without_restart(ldap_auth):
    ldap_auth(authentication_type="local")
    assert login("alice@example.test", "Secret123!")[0] is None
    ldap_auth(authentication_type="ldap")
    assert login("alice@example.test", "Secret123!")[0] is not None


def test_unreachable_directory_is_reported_not_raised(ldap_auth):
    ldap_auth(ldap_server_port=free_port())
    user, request = login("alice@example.test", "Secret123!")
    assert user is None
    assert backend_errors(request) and "contact" in backend_errors(request)[0].lower()
    assert Log.objects.filter(
        logger="modoboa.auth", level="ERROR", message__startswith="LDAP error while"
    ).exists()
    assert not User.objects.filter(username="alice@example.test").exists()
    # The local administrator can still log in to fix the settings.
    assert login("admin", "password")[0] is not None


def test_bad_bind_password_is_reported(ldap_auth):
    ldap_auth(ldap_bind_password="not-the-password")
    user, request = login("alice@example.test", "Secret123!")
    assert user is None
    assert "invalid credentials" in backend_errors(request)[0].lower()
    assert not User.objects.filter(username="alice@example.test").exists()


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_secured_connections(ldap_auth, settings, mode):
    directory = ldap_auth.directory
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_X_TLS_CACERTFILE: directory.ca_file,
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
        ldap.OPT_X_TLS_NEWCTX: 0,
    }
    port = directory.ssl_port if mode == "ssl" else directory.port
    ldap_auth(ldap_secured=mode, ldap_server_port=port)
    user, request = login("alice@example.test", "Secret123!")
    assert user is not None, backend_errors(request)


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_untrusted_certificate_is_refused_by_default(ldap_auth, mode):
    directory = ldap_auth.directory
    port = directory.ssl_port if mode == "ssl" else directory.port
    ldap_auth(ldap_secured=mode, ldap_server_port=port)
    user, request = login("alice@example.test", "Secret123!")
    assert user is None and backend_errors(request)
    assert not User.objects.filter(username="alice@example.test").exists()


def test_active_directory_turns_referrals_off(ldap_auth):
    from modoboa.core import ldap as ldap_conf

    params = dict(ldap_conf.get_parameters(), ldap_is_active_directory=True)
    assert ldap_conf.build_settings(params).CONNECTION_OPTIONS[ldap.OPT_REFERRALS] == 0
    params["ldap_is_active_directory"] = False
    assert ldap.OPT_REFERRALS not in ldap_conf.build_settings(params).CONNECTION_OPTIONS


# Password changes


def _ldap_user(ldap_auth, username, password):
    user, request = login(username, password)
    assert user is not None, backend_errors(request)
    return user


def test_user_changes_its_password_in_the_directory(ldap_auth):
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "alice@example.test", "Secret123!")
    admin_services.change_own_password(user, "Secret123!", NEW_PASSWORD)
    assert directory.can_bind(person_dn("alice"), NEW_PASSWORD)
    assert not directory.can_bind(person_dn("alice"), "Secret123!")
    stored = directory.read(person_dn("alice"), "userPassword")[0]
    assert stored.startswith("{CRYPT}$6$")
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert login("alice@example.test", NEW_PASSWORD)[0].pk == user.pk
    assert login("alice@example.test", "Secret123!")[0] is None
    assert Log.objects.filter(message="LDAP password of 'alice@example.test' updated").exists()


def test_wrong_old_password_changes_nothing(ldap_auth):
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "alice@example.test", "Secret123!")
    for old in ("Wrong123!", ""):
        with pytest.raises(BadRequest) as info:
            admin_services.change_own_password(user, old, NEW_PASSWORD)
        assert info.value.field == "password"
    assert directory.can_bind(person_dn("alice"), "Secret123!")


def test_weak_password_never_reaches_the_directory(ldap_auth):
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "alice@example.test", "Secret123!")
    with pytest.raises(BadRequest) as info:
        admin_services.change_own_password(user, "Secret123!", "password")
    assert info.value.field == "new_password"
    assert directory.can_bind(person_dn("alice"), "Secret123!")


def test_service_account_writes_when_the_user_may_not(ldap_auth):
    """carol's ACL forbids writing her own password; the bind DN may."""
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "carol@example.test", "Carol789!")
    admin_services.change_own_password(user, "Carol789!", NEW_PASSWORD)
    assert directory.can_bind(person_dn("carol", "locked"), NEW_PASSWORD)


def test_direct_bind_user_changes_its_password(ldap_auth):
    ldap_auth(
        ldap_auth_method="directbind",
        ldap_user_dn_template="uid=%(user)s,ou=people," + SUFFIX,
    )
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "grace@example.test", "Grace901!")
    admin_services.change_own_password(user, "Grace901!", NEW_PASSWORD)
    assert directory.can_bind(person_dn("grace@example.test"), NEW_PASSWORD)


def test_administrator_resets_a_directory_password(ldap_auth, superadmin):
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "bob@example.test", "Bobby456!")
    admin_services.set_account_password(user, NEW_PASSWORD, acting_user=superadmin)
    assert directory.can_bind(person_dn("bob"), NEW_PASSWORD)
    # In direct bind mode there is no account allowed to do it.
    ldap_auth(
        ldap_auth_method="directbind",
        ldap_user_dn_template="uid=%(user)s,ou=people," + SUFFIX,
    )
    with pytest.raises(BadRequest) as info:
        admin_services.set_account_password(user, "Another42!x", acting_user=superadmin)
    assert "direct bind" in info.value.message
    assert directory.can_bind(person_dn("bob"), NEW_PASSWORD)


def test_active_directory_password_is_quoted_utf16(ldap_auth):
    """The value AD expects in unicodePwd, written here to an attribute
    slapd accepts (userPassword is an octet string).
    """
    directory = ldap_auth.directory
    user = _ldap_user(ldap_auth, "bob@example.test", "Bobby456!")
    ldap_auth(ldap_is_active_directory=True)
    admin_services.change_own_password(user, "Bobby456!", "Nöw-Pass42")
    assert directory.read_raw(person_dn("bob"), "userPassword") == [
        '"Nöw-Pass42"'.encode("utf-16-le")
    ]


def test_password_change_with_directory_down_is_a_clear_error(ldap_auth):
    user = _ldap_user(ldap_auth, "alice@example.test", "Secret123!")
    ldap_auth(ldap_server_port=free_port())
    with pytest.raises(Exception) as info:
        admin_services.change_own_password(user, "Secret123!", NEW_PASSWORD)
    assert info.value.http_code == 503
    assert "directory" in info.value.message.lower()


# Through the login page and the profile page


def test_login_page_with_directory_accounts(ldap_auth, client):
    response = client.post(
        "/accounts/login/", {"username": "alice@example.test", "password": "Secret123!"}
    )
    assert response.status_code == 302
    assert client.get("/user/profile/").status_code == 200
    client.logout()
    ldap_auth(ldap_search_filter="(uid=%(user)s)")
    response = client.post("/accounts/login/", {"username": "bob", "password": "Bobby456!"})
    assert response.status_code == 302
    assert client.get("/user/profile/").status_code == 200
    assert User.objects.filter(username="bob@example.test").exists()
    client.logout()
    response = client.post("/accounts/login/", {"username": "dave", "password": "Davey012!"})
    assert response.status_code == 403
    assert "no usable email address in its attribute" in response.content.decode()
    ldap_auth(ldap_server_port=free_port())
    response = client.post(
        "/accounts/login/", {"username": "alice@example.test", "password": "Secret123!"}
    )
    assert response.status_code == 503
    assert "authentication server is unavailable" in response.content.decode()
    assert Log.objects.filter(
        message="Failed connection attempt from '127.0.0.1' as user 'alice@example.test'"
    ).exists()


def test_profile_page_changes_the_directory_password(ldap_auth, client):
    directory = ldap_auth.directory
    client.post("/accounts/login/", {"username": "bob@example.test", "password": "Bobby456!"})
    form = {"language": "en", "newpassword": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    response = client.post("/user/profile/", dict(form, oldpassword="Wrong456!"))
    assert "Old password mismatchs" in response.content.decode()
    assert directory.can_bind(person_dn("bob"), "Bobby456!")
    response = client.post("/user/profile/", dict(form, oldpassword="Bobby456!"))
    assert response.status_code == 302
    assert directory.can_bind(person_dn("bob"), NEW_PASSWORD)
    # The session survives its own password change.
    assert client.get("/user/profile/").status_code == 200
