"""The domain and mailbox of an account created at its first login.

Connected to ``core.signals.account_auto_created`` (LDAP and SMTP
authentication); controlled by the ``auto_create_domain_and_mailbox``
parameter. Errors propagate, so the account creation rolls back with them.
"""

from modoboa.parameters import tools as param_tools

from . import services
from .models import Domain, DomainAlias, Mailbox
from .services.common import split_address


def create_domain_and_mailbox(sender, user, **kwargs):
    """Give ``user`` (named by an email address) its domain and mailbox.

    The domain is created unless it exists; an address in a domain alias
    gets nothing (its mail already goes to the target domain's mailboxes).
    """
    if not param_tools.get_global_parameter("auto_create_domain_and_mailbox", app="admin"):
        return
    local_part, domain_name = split_address(user.username)
    if not local_part or not domain_name:
        return
    domain = Domain.objects.filter(name=domain_name).first()
    if domain is None:
        if DomainAlias.objects.filter(name=domain_name).exists():
            return
        domain = services.create_domain(acting_user=None, name=domain_name)
    if Mailbox.objects.filter(user=user).exists():
        return
    services.create_mailbox(user, user.username, acting_user=None, use_domain_quota=True)
