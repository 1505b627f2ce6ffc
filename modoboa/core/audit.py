"""The audit trail: one ``core_log`` line and one reversion revision per
administrative change, written in the same transaction as the change.
"""

import logging
from contextlib import contextmanager

import reversion
from django.utils.text import capfirst

admin_logger = logging.getLogger("modoboa.admin")


def actor_label(acting_user):
    """Describe who did it, as the log lines say."""
    if acting_user is None:
        return "management command"
    return "user %s" % acting_user.username


def object_label(obj):
    """The object's type as upstream's log lines name it: its content type
    name, capitalised ("Domain", "Domain alias", "Alias", "User"...).
    """
    return capfirst(str(obj._meta.verbose_name))


def log_created(obj, acting_user):
    admin_logger.info("%s '%s' added by %s", object_label(obj), obj, actor_label(acting_user))


def log_modified(obj, acting_user):
    admin_logger.warning(
        "%s '%s' modified by %s", object_label(obj), obj, actor_label(acting_user)
    )


def log_deleted(obj, acting_user):
    admin_logger.critical(
        "%s '%s' deleted by %s", object_label(obj), obj, actor_label(acting_user)
    )


def log_message(message, *args, level=logging.INFO):
    admin_logger.log(level, message, *args)


@contextmanager
def revision(acting_user, comment=""):
    """Record the registered objects saved inside the block as one
    revision attributed to ``acting_user``.
    """
    with reversion.create_revision(atomic=False):
        if acting_user is not None and acting_user.pk:
            reversion.set_user(acting_user)
        if comment:
            reversion.set_comment(comment)
        yield
