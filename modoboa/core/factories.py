"""factory_boy factories of the core models.

Accounts are made through the service layer, as the console, the API and
the importer make them, so a factory-built object has its access rows,
limits, mailbox and audit trail like any other.
"""

import factory

from . import constants
from .models import User

PASSWORD = "Toto1234!"


class UserFactory(factory.django.DjangoModelFactory):
    """An account; a simple user (with a mailbox at its username) by
    default. Pass ``acting_user`` to create it as someone; by default a
    management command creates it.
    """

    class Meta:
        model = User

    username = factory.Sequence(lambda n: "user%d@test.com" % n)
    password = PASSWORD
    role = constants.SIMPLEUSERS

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        from modoboa.admin import services

        kwargs.setdefault("validate_password", False)
        return services.create_account(acting_user=acting_user, **kwargs)


class SuperAdminFactory(UserFactory):
    username = factory.Sequence(lambda n: "superadmin%d" % n)
    role = constants.SUPERADMINS


class ResellerFactory(UserFactory):
    username = factory.Sequence(lambda n: "reseller%d" % n)
    role = constants.RESELLERS


class DomainAdminFactory(UserFactory):
    username = factory.Sequence(lambda n: "domainadmin%d" % n)
    role = constants.DOMAINADMINS
