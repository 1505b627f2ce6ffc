"""The accounts/ endpoint, its password and exists actions."""

import pytest

from modoboa.admin import services
from modoboa.admin.models import Mailbox
from modoboa.core import constants
from modoboa.core.models import User

PASSWORD = "Toto1234!"


def create(client, **payload):
    return client.post("/api/v1/accounts/", payload, format="json")


def test_simple_user_gets_a_mailbox_at_its_username(api, superadmin, domain):
    response = create(api(superadmin), username="Bob@Test.com", password=PASSWORD)
    assert response.status_code == 201, response.body
    body = response.body
    assert body["username"] == "bob@test.com"
    assert body["role"] == constants.SIMPLEUSERS
    assert body["mailbox"]["full_address"] == "bob@test.com"
    assert body["mailbox"]["use_domain_quota"] is True
    assert body["mailbox"]["quota"] == 10
    assert "password" not in body
    account = User.objects.get(pk=body["pk"])
    assert account.check_password(PASSWORD)
    assert account.password.startswith("{")


def test_account_with_explicit_mailbox_quota(api, superadmin, domain):
    response = create(
        api(superadmin),
        username="bob@test.com",
        password=PASSWORD,
        first_name="Bob",
        last_name="Smith",
        language="fr",
        phone_number="+33 1 23",
        secondary_email="bob@elsewhere.org",
        mailbox={"full_address": "bob@test.com", "quota": 20},
    )
    assert response.status_code == 201, response.body
    body = response.body
    assert body["mailbox"]["quota"] == 20
    assert body["mailbox"]["use_domain_quota"] is False
    assert (body["first_name"], body["last_name"], body["language"]) == ("Bob", "Smith", "fr")
    assert body["secondary_email"] == "bob@elsewhere.org"


def test_random_password_is_returned_once(api, superadmin, domain):
    client = api(superadmin)
    response = create(client, username="bob@test.com", random_password=True)
    assert response.status_code == 201, response.body
    generated = response.body["generated_password"]
    assert generated and len(generated) >= 8
    assert User.objects.get(pk=response.body["pk"]).check_password(generated)
    again = client.get("/api/v1/accounts/%d/" % response.body["pk"])
    assert again.body["generated_password"] is None


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"username": "bob@test.com"}, "password"),
        ({"username": "bob@test.com", "password": "short"}, "password"),
        ({"username": "bob", "password": PASSWORD}, "username"),
        ({"username": "bob@test.com", "password": PASSWORD, "role": "Kings"}, "role"),
        ({"username": "bob@test.com", "password": PASSWORD, "language": "xx"}, "language"),
        ({"username": "bob@test.com", "password": PASSWORD, "mailbox": "bob"}, "mailbox"),
        (
            {
                "username": "bob@test.com",
                "password": PASSWORD,
                "mailbox": {"full_address": "x@test.com"},
            },
            "mailbox",
        ),
        (
            {"username": "bob@nowhere.com", "password": PASSWORD},
            "domain",
        ),
        (
            {
                "username": "bob@test.com",
                "password": PASSWORD,
                "mailbox": {"full_address": "bob@test.com", "quota": 100},
            },
            "mailbox",
        ),
        ({"username": "bob@test.com", "password": PASSWORD, "master_user": True}, "master_user"),
        (
            {"username": "bob@test.com", "password": PASSWORD, "secondary_email": "nope"},
            "secondary_email",
        ),
        ({"username": "x" * 300, "password": PASSWORD}, "username"),
    ],
)
def test_bad_account_values_are_400_naming_the_field(
    api, superadmin, domain, unchanged, payload, field
):
    client = api(superadmin)
    with unchanged():
        response = client.post("/api/v1/accounts/", payload, format="json")
    assert response.status_code == 400, response.body
    assert field in response.body


def test_mailbox_quota_error_is_nested_under_mailbox(api, superadmin, domain, unchanged):
    client = api(superadmin)
    with unchanged():
        response = create(
            client,
            username="bob@test.com",
            password=PASSWORD,
            mailbox={"full_address": "bob@test.com", "quota": 100},
        )
    assert response.status_code == 400
    assert "quota" in response.body["mailbox"]


def test_taken_username_is_a_conflict(api, superadmin, simple_user, unchanged):
    client = api(superadmin)
    with unchanged():
        response = create(client, username="user@test.com", password=PASSWORD)
    # 409 in the console; 400 under API v1, as in 1.10.
    assert response.status_code == 400
    assert "username" in response.body


def test_domain_admin_cannot_give_admin_roles(api, domain_admin, unchanged):
    client = api(domain_admin)
    for role in (constants.DOMAINADMINS, constants.RESELLERS, constants.SUPERADMINS):
        with unchanged():
            response = create(client, username="bob@test.com", password=PASSWORD, role=role)
        # A refused value of the body: 400 naming the field.
        assert response.status_code == 400
        assert "role" in response.body


def test_domain_admin_creates_simple_users_in_its_domain_only(
    api, domain_admin, other_domain, unchanged
):
    client = api(domain_admin)
    assert create(client, username="bob@test.com", password=PASSWORD).status_code == 201
    with unchanged():
        response = create(client, username="bob@test2.com", password=PASSWORD)
    # test2.com exists, but the answer is the one of a missing domain.
    assert response.status_code == 400
    assert response.body == {"domain": ["Domain test2.com does not exist"]}


def test_domain_admin_mailbox_limit_is_400(api, domain_admin, set_limits, unchanged):
    set_limits(domain_admin, mailboxes=0)
    client = api(domain_admin)
    with unchanged():
        response = create(client, username="bob@test.com", password=PASSWORD)
    assert response.status_code == 400
    assert response.body == "Mailboxes: limit reached"


def test_domain_administrator_with_domains(api, superadmin, domain, other_domain):
    client = api(superadmin)
    response = create(
        client,
        username="boss@test.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["test.com", "TEST2.com"],
    )
    assert response.status_code == 201, response.body
    assert response.body["domains"] == ["test.com", "test2.com"]
    assert response.body["mailbox"] is None
    response = client.patch(
        "/api/v1/accounts/%d/" % response.body["pk"], {"domains": ["test2.com"]}, format="json"
    )
    assert response.status_code == 200, response.body
    assert response.body["domains"] == ["test2.com"]


def test_administered_domains_list_only_what_the_caller_reaches(
    api, superadmin, domain_admin, other_domain
):
    services.add_domain_admin(other_domain, domain_admin, acting_user=superadmin)
    assert api(superadmin).get("/api/v1/accounts/%d/" % domain_admin.pk).body["domains"] == [
        "test.com",
        "test2.com",
    ]
    reseller_view = services.create_account(
        acting_user=superadmin,
        username="colleague@test.com",
        password=PASSWORD,
        role=constants.DOMAINADMINS,
        domains=["test.com"],
    )
    # An administrator of test.com alone does not reach one of test.com and
    # test2.com at all (issue 14): its reach is wider.
    response = api(reseller_view).get("/api/v1/accounts/%d/" % domain_admin.pk)
    assert response.status_code == 404


def test_unknown_administered_domain_is_400(api, superadmin, unchanged):
    client = api(superadmin)
    with unchanged():
        response = create(
            client,
            username="boss",
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            domains=["nowhere.com"],
        )
    assert response.status_code == 400
    assert "domains" in response.body


def test_master_user_is_shown_to_superadmins_only(api, superadmin, domain_admin, simple_user):
    url = "/api/v1/accounts/%d/" % simple_user.pk
    assert "master_user" in api(superadmin).get(url).body
    assert "master_user" not in api(domain_admin).get(url).body
    response = api(superadmin).post(
        "/api/v1/accounts/",
        {"username": "master", "password": PASSWORD, "role": "SuperAdmins", "master_user": True},
        format="json",
    )
    assert response.status_code == 201, response.body
    assert response.body["master_user"] is True


def test_renaming_an_account_renames_its_mailbox(api, superadmin, simple_user):
    response = api(superadmin).put(
        "/api/v1/accounts/%d/" % simple_user.pk, {"username": "new@test.com"}, format="json"
    )
    assert response.status_code == 200, response.body
    assert response.body["mailbox"]["full_address"] == "new@test.com"
    assert Mailbox.objects.get(user=simple_user).full_address == "new@test.com"


def test_mailbox_quota_change(api, superadmin, simple_user):
    response = api(superadmin).patch(
        "/api/v1/accounts/%d/" % simple_user.pk,
        {"mailbox": {"quota": 5, "use_domain_quota": False}},
        format="json",
    )
    assert response.status_code == 200, response.body
    assert response.body["mailbox"]["quota"] == 5
    assert response.body["mailbox"]["use_domain_quota"] is False


def test_disabling_an_account(api, superadmin, simple_user):
    response = api(superadmin).patch(
        "/api/v1/accounts/%d/" % simple_user.pk, {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert User.objects.get(pk=simple_user.pk).is_active is False


def test_an_administrator_cannot_delete_or_disable_itself(api, domain_admin, unchanged):
    client = api(domain_admin)
    url = "/api/v1/accounts/%d/" % domain_admin.pk
    with unchanged():
        assert client.delete(url).status_code == 403
        # Refused values of the body: 400 naming the field.
        response = client.patch(url, {"is_active": False}, format="json")
        assert (response.status_code, list(response.body)) == (400, ["is_active"])
        response = client.patch(url, {"role": "SimpleUsers"}, format="json")
        assert (response.status_code, list(response.body)) == (400, ["role"])


def test_domain_admin_cannot_reach_resellers_or_superadmins(
    api, domain_admin, reseller, superadmin
):
    client = api(domain_admin)
    for account in (reseller, superadmin):
        assert client.get("/api/v1/accounts/%d/" % account.pk).status_code == 404


def test_deleting_an_account_removes_its_mailbox(api, superadmin, simple_user):
    response = api(superadmin).delete("/api/v1/accounts/%d/" % simple_user.pk)
    assert response.status_code == 204
    assert not User.objects.filter(pk=simple_user.pk).exists()
    assert not Mailbox.objects.filter(user_id=simple_user.pk).exists()


def test_search_and_domain_filters(api, superadmin, domain, other_domain, make_account):
    make_account("alice@test.com", first_name="Alice")
    make_account("bob@test2.com", last_name="Alison")
    make_account("carol@test2.com")
    client = api(superadmin)

    def usernames(query):
        return [row["username"] for row in client.get("/api/v1/accounts/" + query).body]

    assert usernames("?search=ali") == ["alice@test.com", "bob@test2.com"]
    assert usernames("?domain=test2.com") == ["bob@test2.com", "carol@test2.com"]
    assert usernames("?domain=test2.com&search=car") == ["carol@test2.com"]
    assert client.get("/api/v1/accounts/?search=%00").status_code == 400


# Password


def test_user_changes_its_own_password(api, simple_user):
    client = api(simple_user)
    url = "/api/v1/accounts/%d/password/" % simple_user.pk
    response = client.put(url, {"password": PASSWORD, "new_password": "Other1234!"}, format="json")
    assert response.status_code == 200
    assert not response.content
    assert User.objects.get(pk=simple_user.pk).check_password("Other1234!")


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"password": "wrong", "new_password": "Other1234!"}, "password"),
        ({"new_password": "Other1234!"}, "password"),
        ({"password": PASSWORD, "new_password": "weak"}, "new_password"),
        ({"password": PASSWORD}, "new_password"),
    ],
)
def test_own_password_change_checks_both_passwords(api, simple_user, unchanged, payload, field):
    client = api(simple_user)
    with unchanged():
        response = client.put(
            "/api/v1/accounts/%d/password/" % simple_user.pk, payload, format="json"
        )
    assert response.status_code == 400
    assert field in response.body


def test_user_cannot_change_another_users_password(api, simple_user, make_account, unchanged):
    other = make_account("other@test.com")
    client = api(simple_user)
    with unchanged():
        response = client.put(
            "/api/v1/accounts/%d/password/" % other.pk,
            {"password": PASSWORD, "new_password": "Other1234!"},
            format="json",
        )
    assert response.status_code == 404


def test_administrator_sets_the_password_of_an_account_it_manages(api, domain_admin, simple_user):
    response = api(domain_admin).put(
        "/api/v1/accounts/%d/password/" % simple_user.pk,
        {"new_password": "Other1234!"},
        format="json",
    )
    assert response.status_code == 200
    assert User.objects.get(pk=simple_user.pk).check_password("Other1234!")


def test_simple_users_get_nothing_else(api, simple_user, unchanged):
    client = api(simple_user)
    with unchanged():
        for url in ("/api/v1/accounts/", "/api/v1/accounts/%d/" % simple_user.pk):
            assert client.get(url).status_code == 403
        assert client.get("/api/v1/accounts/exists/?email=user@test.com").status_code == 403


# Exists


def test_exists_answers_about_reachable_accounts_only(
    api, domain_admin, simple_user, make_account, other_domain
):
    make_account("far@test2.com")
    client = api(domain_admin)
    assert client.get("/api/v1/accounts/exists/?email=user@test.com").body == {"exists": True}
    assert client.get("/api/v1/accounts/exists/?email=USER@test.com").body == {"exists": True}
    assert client.get("/api/v1/accounts/exists/?email=far@test2.com").body == {"exists": False}
    assert client.get("/api/v1/accounts/exists/?email=nobody@test.com").body == {"exists": False}


@pytest.mark.parametrize("query", ["", "?email=", "?email=not-an-address", "?email=%00@x.com"])
def test_exists_needs_a_valid_email(api, superadmin, query):
    response = api(superadmin).get("/api/v1/accounts/exists/" + query)
    assert response.status_code == 400
    assert "email" in response.body


def test_domain_admin_cannot_move_an_account_out_of_its_domains(
    api, domain_admin, simple_user, other_domain, unchanged
):
    client = api(domain_admin)
    with unchanged():
        response = client.patch(
            "/api/v1/accounts/%d/" % simple_user.pk, {"username": "user@test2.com"}, format="json"
        )
    # test2.com exists, but the answer is 1.10's for a move to a missing domain.
    assert response.status_code == 404
    assert response.body == {"detail": "Domain test2.com does not exist"}
