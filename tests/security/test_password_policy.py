"""Weak passwords: the password policy holds on every path that sets a
password in clear.

Guards against Modoboa CVE-2023-2160 (users could set passwords like
``1``) and iRedAdmin's "password hash accepted instead of the plaintext"
(a hash typed where a clear password is expected is checked as text).
"""

import io

import pytest
from django.core.management import CommandError, call_command

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

WEAK = ("1", "password", "toto", "12345678", "aaaaaaaaaaaa")


def still_has_password(user, password=PASSWORD):
    from modoboa.core.models import User

    return User.objects.get(pk=user.pk).check_password(password)


def test_cve_2023_2160_profile_refuses_weak_passwords(client, simple_user):
    client.force_login(simple_user)
    for weak in WEAK:
        response = client.post(
            "/user/profile/",
            {
                "oldpassword": PASSWORD,
                "newpassword": weak,
                "confirmation": weak,
                "language": "en",
            },
        )
        assert response.status_code in (200, 400), weak
        assert still_has_password(simple_user), weak


def test_cve_2023_2160_password_reset_refuses_weak_passwords(client, simple_user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(simple_user.pk))
    token = default_token_generator.make_token(simple_user)
    response = client.get("/reset/%s/%s/" % (uid, token), follow=True)
    form_url = response.redirect_chain[-1][0]
    for weak in WEAK:
        client.post(form_url, {"new_password1": weak, "new_password2": weak})
        assert still_has_password(simple_user), weak


def test_cve_2023_2160_console_account_forms_refuse_weak_passwords(client, superadmin, domain):
    from modoboa.core.models import User

    client.force_login(superadmin)
    for weak in WEAK:
        client.post(
            "/admin/accounts/new/",
            {
                "username": "weak@test.com",
                "role": "SimpleUsers",
                "password1": weak,
                "password2": weak,
                "is_active": "on",
                "email": "weak@test.com",
            },
        )
        assert not User.objects.filter(username="weak@test.com").exists(), weak


def test_cve_2023_2160_console_edit_refuses_weak_passwords(client, superadmin, simple_user):
    client.force_login(superadmin)
    page = client.get("/admin/accounts/%d/edit/" % simple_user.pk)
    data = {}
    for form in ("general", "profile", "mail"):
        bound = page.context[form]
        for name in bound.fields:
            value = bound[name].value()
            if value is not None and value is not False:
                data[bound.add_prefix(name)] = value
    for weak in WEAK:
        data.update({"general-password1": weak, "general-password2": weak})
        response = client.post("/admin/accounts/%d/edit/" % simple_user.pk, data)
        assert response.status_code == 400, weak
        assert still_has_password(simple_user), weak
    # The same form with a strong password goes through (the control).
    data.update({"general-password1": "Str0ng!Enough", "general-password2": "Str0ng!Enough"})
    assert client.post("/admin/accounts/%d/edit/" % simple_user.pk, data).status_code == 302
    assert still_has_password(simple_user, "Str0ng!Enough")


def test_cve_2023_2160_api_refuses_weak_passwords(api, superadmin, simple_user, domain):
    from modoboa.core.models import User

    client = api(superadmin)
    for weak in WEAK:
        created = client.post(
            "/api/v1/accounts/",
            {
                "username": "weak@test.com",
                "password": weak,
                "mailbox": {"full_address": "weak@test.com"},
            },
            format="json",
        )
        assert created.status_code == 400 and "password" in created.body, weak
        changed = client.patch(
            "/api/v1/accounts/%d/" % simple_user.pk, {"password": weak}, format="json"
        )
        assert changed.status_code == 400, weak
        own = api(simple_user).put(
            "/api/v1/accounts/%d/password/" % simple_user.pk,
            {"password": PASSWORD, "new_password": weak},
            format="json",
        )
        assert own.status_code == 400, weak
    assert not User.objects.filter(username="weak@test.com").exists()
    assert still_has_password(simple_user)


def test_cve_2023_2160_import_refuses_weak_clear_passwords(superadmin, domain):
    from modoboa.admin.csv_import import import_csv
    from modoboa.core.models import User

    lines = [
        "account;weak%d@test.com;%s;;;True;SimpleUsers;weak%d@test.com;10" % (i, w, i)
        for i, w in enumerate(WEAK)
    ]
    result = import_csv(
        io.StringIO("\n".join(lines)),
        acting_user=superadmin,
        crypt_passwords=True,
        continue_if_exists=True,
    )
    assert [error.field for error in result.errors] == ["password"] * len(WEAK)
    assert not User.objects.filter(username__startswith="weak").exists()


def test_cve_2023_2160_first_administrator_password_follows_the_policy(db):
    from modoboa.core.models import User

    for weak in WEAK:
        with pytest.raises(CommandError, match="admin-password"):
            call_command("load_initial_data", "--admin-password", weak)
    assert not User.objects.filter(is_superuser=True).exists()


def test_cve_2023_2160_default_password_parameter_follows_the_policy(client, superadmin):
    """The domain wizard and imports use ``default_password``: a weak value
    cannot be saved."""
    from modoboa.parameters import tools as param_tools

    client.force_login(superadmin)
    page = client.get("/core/parameters/")
    data = {}
    for entry in page.context["forms"]:
        form = entry["form"]
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value
    data["core-default_password"] = "1"
    response = client.post("/core/parameters/", data)
    assert response.status_code == 400
    assert param_tools.get_global_parameter("default_password", app="core") != "1"
    # The same form with a strong value is saved (the control).
    data["core-default_password"] = "Str0ng!Default"
    assert client.post("/core/parameters/", data).status_code == 302
