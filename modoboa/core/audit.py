"""The audit trail: one ``core_log`` line and one reversion revision per
administrative change, written in the same transaction as the change.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

import reversion
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
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


# The objects saved inside each open revision block (innermost last).
_saved_objects = ContextVar("audit_saved_objects", default=())


def _remember(instance):
    blocks = _saved_objects.get()
    if blocks and reversion.is_active() and reversion.is_manage_manually():
        if reversion.is_registered(type(instance)) and instance.pk is not None:
            blocks[-1][(type(instance), instance.pk)] = instance


@receiver(post_save, dispatch_uid="modoboa_audit_saved")
def _saved(sender, instance, **kwargs):
    _remember(instance)


@receiver(m2m_changed, dispatch_uid="modoboa_audit_m2m_changed")
def _m2m_changed(sender, instance, action, reverse, **kwargs):
    if action.startswith("post_") and not reverse:
        _remember(instance)


@contextmanager
def revision(acting_user, comment=""):
    """Record the registered objects saved inside the block as one
    revision attributed to ``acting_user``.

    Reversion serializes an object each time it is saved (its groups and
    permissions too: two queries for an account); creating an account
    saves it four times. Each object is serialized once instead, in its
    final state, when the block ends.
    """
    saved = {}
    token = _saved_objects.set(_saved_objects.get() + (saved,))
    try:
        with reversion.create_revision(manage_manually=True, atomic=False):
            if acting_user is not None and acting_user.pk:
                reversion.set_user(acting_user)
            if comment:
                reversion.set_comment(comment)
            yield
            for instance in saved.values():
                reversion.add_to_revision(instance)
    finally:
        _saved_objects.reset(token)
