"""The "Resources" tabs: limits of an administrator and of a domain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from modoboa.core import constants as core_constants

from . import services
from .constants import DOMAIN_LIMIT_DEFINITIONS, USER_LIMIT_DEFINITIONS
from .models import DomainObjectLimit


class _LimitsForm(forms.Form):
    definitions = {}

    def _add_field(self, name, definition, value):
        minimum = 0 if definition.get("type") == "sum" else -1
        self.fields[name] = forms.IntegerField(
            label=definition["label"],
            help_text=definition.get("help", ""),
            min_value=minimum,
            max_value=2147483647,
            initial=value,
        )


class ResourcePoolForm(_LimitsForm):
    """The limits of a reseller or a domain administrator.

    A reseller allocates from its own pool: the service refuses more than
    it has left (UnsufficientResource).
    """

    def __init__(self, user, instance, *args, **kwargs):
        self.user = user
        self.account = instance
        super().__init__(*args, **kwargs)
        for name, definition in USER_LIMIT_DEFINITIONS.items():
            if instance.role not in definition["roles"]:
                continue
            limit = services.get_user_limit(instance, name)
            self._add_field(name, definition, limit.max_value)

    def save(self, *, acting_user):
        for name in self.fields:
            services.set_user_limit(
                self.account, name, self.cleaned_data[name], acting_user=acting_user
            )


class DomainLimitsForm(_LimitsForm):
    """The limits of a domain."""

    def __init__(self, user, instance, *args, **kwargs):
        self.user = user
        self.domain = instance
        super().__init__(*args, **kwargs)
        values = dict(
            DomainObjectLimit.objects.filter(domain=instance).values_list("name", "max_value")
        )
        for name, definition in DOMAIN_LIMIT_DEFINITIONS.items():
            self._add_field(name, definition, values.get(name, 0))

    def save(self, *, acting_user):
        for name in self.fields:
            services.set_domain_limit(self.domain, name, self.cleaned_data[name])


def extra_account_forms(sender, user, account, **kwargs):
    """Receiver of ``admin.signals.extra_account_forms``: the Resources tab
    for super administrators and resellers editing a reseller or a domain
    administrator other than themselves.
    """
    if account is None or user.pk == account.pk:
        return []
    if user.role not in (core_constants.SUPERADMINS, core_constants.RESELLERS):
        return []
    if account.role not in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        return []
    if not services.admin_limits_enabled():
        return []
    return [{"id": "resources", "title": _("Resources"), "cls": ResourcePoolForm}]


def extra_domain_forms(sender, user, domain, **kwargs):
    """Receiver of ``admin.signals.extra_domain_forms``."""
    if not user.has_perm("admin.change_domain") or not services.domain_limits_enabled():
        return []
    return [{"id": "resources", "title": _("Resources"), "cls": DomainLimitsForm}]
