"""Amavis' ``users``/``policy`` rows follow the domains and domain aliases.

A failure on Amavis' database (its tables not created yet, its server
down) never fails the domain operation: it is logged, and
``manage.py load_initial_data`` creates the missing rows later (the system
check ``modoboa-amavis.W003`` reports missing tables).
"""

import logging

from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from modoboa.admin.models import Domain, DomainAlias

from .dbrouter import amavis_alias
from .services import policies as _policies

logger = logging.getLogger("modoboa.amavis")


class _SafePolicies:
    """``policies`` whose writes run in a savepoint and log their failure."""

    def __getattr__(self, name):
        function = getattr(_policies, name)

        def call(*args):
            try:
                with transaction.atomic(using=amavis_alias()):
                    return function(*args)
            except DatabaseError as exc:
                logger.error("Amavis policy rows not updated (%s%r): %s", name, args, exc)
                return None

        return call


policies = _SafePolicies()


@receiver(pre_save, sender=Domain, dispatch_uid="amavis_domain_pre_save")
@receiver(pre_save, sender=DomainAlias, dispatch_uid="amavis_domain_alias_pre_save")
def remember_old_name(sender, instance, **kwargs):
    instance._amavis_old = None
    if instance.pk:
        instance._amavis_old = (
            sender.objects.filter(pk=instance.pk)
            .values_list("name", *(["target_id"] if sender is DomainAlias else []))
            .first()
        )


@receiver(post_save, sender=Domain, dispatch_uid="amavis_domain_post_save")
def domain_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_amavis_old", None)
    if created or old is None:
        policies.create_domain_policy(instance.name)
    elif old[0] != instance.name:
        policies.rename_domain_policy(old[0], instance.name)


@receiver(pre_delete, sender=Domain, dispatch_uid="amavis_domain_pre_delete")
@receiver(pre_delete, sender=DomainAlias, dispatch_uid="amavis_domain_alias_pre_delete")
def remember_stored_name(sender, instance, **kwargs):
    """The name in the database: the caller's instance may be stale."""
    instance._amavis_stored_name = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    )


def _stored_name(instance):
    return getattr(instance, "_amavis_stored_name", None) or instance.name


@receiver(post_delete, sender=Domain, dispatch_uid="amavis_domain_deleted")
def domain_deleted(sender, instance, **kwargs):
    policies.delete_policy_user(_stored_name(instance))


@receiver(post_save, sender=DomainAlias, dispatch_uid="amavis_domain_alias_saved")
def domain_alias_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_amavis_old", None)
    target = instance.target.name
    if created or old is None:
        policies.create_alias_policy(instance.name, target)
    elif old[0] != instance.name or old[1] != instance.target_id:
        policies.rename_alias_policy(old[0], instance.name, target)


@receiver(post_delete, sender=DomainAlias, dispatch_uid="amavis_domain_alias_deleted")
def domain_alias_deleted(sender, instance, **kwargs):
    policies.delete_policy_user(_stored_name(instance))


def menu_entries(sender, location, user, **kwargs):
    """The "Quarantine" entry of the top menu, for every role."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    if location != "top_menu":
        return []
    return [
        {
            "name": "quarantine",
            "label": _("Quarantine"),
            "url": reverse("amavis:index"),
            "icon": "shield-exclamation",
        }
    ]


def top_notifications(sender, include_all=False, user=None, **kwargs):
    """The administrators' counter of pending release requests."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from .services import quarantine

    if user is None or not quarantine.is_admin(user):
        return []
    try:
        with transaction.atomic(using=amavis_alias()):
            count = quarantine.pending_requests_count(user)
    except DatabaseError as exc:
        logger.error("Amavis database error: %s", exc)
        return []
    if not count:
        return []
    return [
        {
            "id": "amavis_pending_requests",
            "url": reverse("amavis:index") + "?pending=1",
            "text": ngettext("%d pending release request", "%d pending release requests", count)
            % count,
            "level": "danger",
        }
    ]


def domain_form_instances(sender, user, domain=None, **kwargs):
    return {"content_filter": domain} if domain is not None else {}


def connect():
    from modoboa.admin import signals as admin_signals
    from modoboa.core import signals as core_signals

    from . import forms

    core_signals.extra_admin_menu_entries.connect(menu_entries, dispatch_uid="amavis_menu")
    core_signals.get_top_notifications.connect(
        top_notifications, dispatch_uid="amavis_top_notifications"
    )
    admin_signals.extra_domain_forms.connect(
        forms.extra_domain_forms, dispatch_uid="amavis_domain_forms"
    )
    admin_signals.get_domain_form_instances.connect(
        domain_form_instances, dispatch_uid="amavis_domain_form_instances"
    )
