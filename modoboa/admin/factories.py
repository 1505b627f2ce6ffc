"""factory_boy factories of the admin models, built through the service
layer (see ``modoboa.core.factories``).
"""

import factory

from modoboa.core import factories as core_factories

from .models import Alias, Domain, DomainAlias, SenderAddress


class _ServiceFactory(factory.django.DjangoModelFactory):
    _service = None

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        from . import services

        return getattr(services, cls._service)(acting_user=acting_user, **kwargs)


class DomainFactory(_ServiceFactory):
    _service = "create_domain"

    class Meta:
        model = Domain

    name = factory.Sequence(lambda n: "domain%d.com" % n)
    quota = 0
    default_mailbox_quota = 0


class DomainAliasFactory(_ServiceFactory):
    _service = "create_domain_alias"

    class Meta:
        model = DomainAlias

    name = factory.Sequence(lambda n: "domainalias%d.com" % n)
    target = factory.SubFactory(DomainFactory)


class MailboxAccountFactory(core_factories.UserFactory):
    """A simple user with a mailbox in ``domain`` (test.com by default,
    which must exist).
    """

    class Params:
        domain = "test.com"

    username = factory.LazyAttributeSequence(lambda o, n: "mailbox%d@%s" % (n, o.domain))


class AliasFactory(_ServiceFactory):
    _service = "create_alias"

    class Meta:
        model = Alias

    class Params:
        domain_name = "test.com"

    address = factory.LazyAttributeSequence(lambda o, n: "alias%d@%s" % (n, o.domain_name))
    recipients = factory.LazyFunction(lambda: ["someone@external.com"])


class SenderAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SenderAddress

    address = factory.Sequence(lambda n: "sender%d@external.com" % n)

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        from . import services

        return services.create_sender_address(acting_user=acting_user, **kwargs)
