"""Demonstration data (``load_initial_data --extra-fixtures``).

The same objects upstream's fixtures made: test.com (quota 50 MB) with a
domain administrator, a user and three aliases, and test2.com with an
administrator and a user. Every account's password is ``toto``.
"""

from django.db import transaction

from . import constants

DEMO_PASSWORD = "toto"


@transaction.atomic
def load_demo_data(acting_user=None):
    """Create the demonstration domains, accounts and aliases (idempotent)."""
    from modoboa.admin import services
    from modoboa.admin.models import Alias, Domain

    from .models import User

    if Domain.objects.filter(name="test.com").exists():
        return
    test = services.create_domain(
        acting_user=acting_user, name="test.com", quota=50, default_mailbox_quota=10
    )
    test2 = services.create_domain(
        acting_user=acting_user, name="test2.com", quota=0, default_mailbox_quota=0
    )
    for domain in (test, test2):
        services.create_account(
            acting_user=acting_user,
            username="admin@%s" % domain.name,
            password=DEMO_PASSWORD,
            validate_password=False,
            role=constants.DOMAINADMINS,
            first_name="Domain",
            last_name="Administrator",
            mailbox={"address": "admin@%s" % domain.name},
            domains=[domain.name],
        )
        services.create_account(
            acting_user=acting_user,
            username="user@%s" % domain.name,
            password=DEMO_PASSWORD,
            validate_password=False,
            first_name="Simple",
            last_name="User",
        )
    services.create_alias(
        acting_user=acting_user, address="forward@test.com", recipients=["user@external.com"]
    )
    services.create_alias(
        acting_user=acting_user,
        address="alias@test.com",
        recipients=["user@test.com"],
        description="An alias of user@test.com",
    )
    if not Alias.objects.filter(address="postmaster@test.com", internal=False).exists():
        services.create_alias(
            acting_user=acting_user,
            address="postmaster@test.com",
            recipients=["admin@test.com"],
        )
    return User.objects.filter(username__endswith="test.com")
