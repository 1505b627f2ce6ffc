"""Access filters of the admin models (see ``modoboa.core.access``)."""

from django.db.models import Q

from modoboa.core.access import accessible_domain_ids, direct_access, register


def register_admin_filters():
    from .models import (
        Alias,
        DNSBLResult,
        Domain,
        DomainAlias,
        Mailbox,
        MXRecord,
        SenderAddress,
    )

    register(Domain, lambda user: direct_access(user, Domain))
    register(
        DomainAlias,
        lambda user: (
            Q(target_id__in=accessible_domain_ids(user)) | direct_access(user, DomainAlias)
        ),
    )
    register(
        Mailbox,
        lambda user: Q(domain_id__in=accessible_domain_ids(user)) | direct_access(user, Mailbox),
    )
    register(
        Alias,
        lambda user: Q(domain_id__in=accessible_domain_ids(user)) | direct_access(user, Alias),
    )
    register(
        SenderAddress,
        lambda user: Q(mailbox__domain_id__in=accessible_domain_ids(user)),
    )
    register(MXRecord, lambda user: Q(domain_id__in=accessible_domain_ids(user)))
    register(DNSBLResult, lambda user: Q(domain_id__in=accessible_domain_ids(user)))
