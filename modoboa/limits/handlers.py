"""Receivers through which the limits take part in the core's decisions.

As upstream, limits are checked by receivers of ``can_create_object`` (one
call per context: the acting administrator, then the domain) and
``user_can_set_role``; extensions hook their own checks into the same
signals.
"""

from modoboa.core import constants as core_constants
from modoboa.core import signals as core_signals
from modoboa.lib.exceptions import LimitReached


def check_object_limits(sender, context, object_type, count=1, **kwargs):
    """Raise LimitReached when ``context`` (an administrator or a domain)
    may not hold ``count`` more objects of kind ``object_type``.
    """
    from modoboa.admin.models import Domain
    from modoboa.core.models import User

    from . import services

    if isinstance(context, User):
        services.check_user_limit(context, object_type, count=count)
    elif isinstance(context, Domain):
        services.check_domain_limit(context, object_type, count=count)


def allow_domain_admin_role(sender, user, role, account=None, **kwargs):
    """A non-superuser may only make a domain administrator while its
    ``domain_admins`` limit allows one more.
    """
    from . import services

    if role != core_constants.DOMAINADMINS or user is None or user.is_superuser:
        return True
    if account is not None and account.pk and account.role == core_constants.DOMAINADMINS:
        return True
    try:
        services.check_user_limit(user, "domain_admins")
    except LimitReached:
        return False
    return True


def connect():
    """Connect the receivers (idempotent)."""
    core_signals.can_create_object.connect(
        check_object_limits, dispatch_uid="modoboa.limits.check_object_limits"
    )
    core_signals.user_can_set_role.connect(
        allow_domain_admin_role, dispatch_uid="modoboa.limits.allow_domain_admin_role"
    )
