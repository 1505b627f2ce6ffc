"""Limit checks and resource allocation.

Values: ``-1`` is unlimited, ``0`` allows nothing (for the reseller
``quota`` limit, 0 means no quota). A user limit counts the objects the
administrator owns; a domain limit counts the objects inside the domain.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Func, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from modoboa.core import audit
from modoboa.core import constants as core_constants
from modoboa.core import signals as core_signals
from modoboa.core.models import ObjectAccess, User
from modoboa.lib.exceptions import (
    BadLimitValue,
    BadRequest,
    LimitReached,
    PermDeniedException,
    UnlimitedValueRefused,
    UnsufficientResource,
)
from modoboa.lib.validators import parse_integer
from modoboa.parameters import tools as param_tools

from . import handlers
from .constants import DOMAIN_LIMIT_DEFINITIONS, USER_LIMIT_DEFINITIONS
from .models import DomainObjectLimit, UserObjectLimit


def _content_type(definition):
    app_label, model = definition["model"]
    return ContentType.objects.get_by_natural_key(app_label, model)


def admin_limits_enabled():
    return param_tools.get_global_parameter("enable_admin_limits", app="limits")


def domain_limits_enabled():
    return param_tools.get_global_parameter("enable_domain_limits", app="limits")


def create_user_limits(user, creator=None):
    """Create the limit rows of a new administrator (idempotent).

    When a superuser (or nobody, as in a management command) creates the
    account, values start at the configured defaults; when a reseller does,
    they start at 0 and the reseller allocates from its own pool.
    """
    existing = set(UserObjectLimit.objects.filter(user=user).values_list("name", flat=True))
    use_defaults = creator is None or creator.is_superuser
    defaults = param_tools.get_global_parameters("limits") if use_defaults else {}
    rows = [
        UserObjectLimit(
            user=user,
            name=name,
            content_type=_content_type(definition),
            max_value=defaults.get("deflt_user_%s_limit" % name, 0) if use_defaults else 0,
        )
        for name, definition in USER_LIMIT_DEFINITIONS.items()
        if name not in existing
    ]
    UserObjectLimit.objects.bulk_create(rows)


def create_domain_limits(domain):
    """Create the limit rows of a new domain from the defaults."""
    defaults = param_tools.get_global_parameters("limits")
    existing = set(DomainObjectLimit.objects.filter(domain=domain).values_list("name", flat=True))
    DomainObjectLimit.objects.bulk_create(
        DomainObjectLimit(
            domain=domain,
            name=name,
            max_value=defaults.get("deflt_domain_%s_limit" % name, 0),
        )
        for name in DOMAIN_LIMIT_DEFINITIONS
        if name not in existing
    )


def _for_update(queryset):
    """``queryset`` locking its rows until the transaction ends, when there
    is one: two requests checking the same limit at once then take turns,
    and the second counts what the first created (never both the last
    slot).
    """
    if connection.in_atomic_block:
        return queryset.select_for_update()
    return queryset


def get_user_limit(user, name, lock=False):
    """Return the UserObjectLimit row ``name`` of ``user`` (created if
    missing, for accounts made before limits existed); with ``lock``, the
    row stays locked until the transaction ends.
    """
    rows = UserObjectLimit.objects.all()
    if lock:
        rows = _for_update(rows)
    try:
        return rows.get(user=user, name=name)
    except UserObjectLimit.DoesNotExist:
        create_user_limits(user)
        return rows.get(user=user, name=name)


def _consumed(user_id, name):
    """The objects user ``user_id`` owns that limit ``name`` counts."""
    definition = USER_LIMIT_DEFINITIONS[name]
    ct = _content_type(definition)
    owned_ids = ObjectAccess.objects.filter(
        user_id=user_id, content_type=ct, is_owner=True
    ).values("object_id")
    model = ct.model_class()
    queryset = model._default_manager.filter(pk__in=owned_ids)
    if definition.get("extra_filter"):
        queryset = queryset.filter(**definition["extra_filter"])
    if model._meta.label_lower == "core.user":
        queryset = queryset.exclude(pk=user_id)
    return queryset.order_by()


def user_limit_current(limit):
    """How much of ``limit`` its user consumes."""
    definition = USER_LIMIT_DEFINITIONS[limit.name]
    queryset = _consumed(limit.user_id, limit.name)
    if definition["type"] == "sum":
        return queryset.aggregate(total=Sum(definition["field"]))["total"] or 0
    return queryset.count()


def _current_values(user, names):
    """What ``user`` consumes of each limit in ``names``, in one query
    (a scalar subquery per limit) instead of one per limit: the resource
    pool is shown on every console page of a reseller.
    """
    columns = {}
    for name in names:
        definition = USER_LIMIT_DEFINITIONS[name]
        if definition["type"] == "sum":
            total = Func(F(definition["field"]), function="SUM")
        else:
            total = Func(Value(1), function="COUNT")
        columns["current_%s" % name] = Coalesce(
            Subquery(
                _consumed(user.pk, name).annotate(total=total).values("total")[:1],
                output_field=BigIntegerField(),
            ),
            0,
        )
    row = User.objects.filter(pk=user.pk).values(**columns).get()
    return {name: row["current_%s" % name] for name in names}


def domain_limit_current(limit):
    """How much of a domain limit the domain consumes."""
    domain = limit.domain
    if limit.name == "domain_aliases":
        return domain.domainalias_set.count()
    if limit.name == "mailboxes":
        return domain.mailbox_set.count()
    if limit.name == "mailbox_aliases":
        return domain.alias_set.filter(internal=False).count()
    if limit.name == "domain_admins":
        return domain.admins.count()
    return 0


def usage_percent(max_value, current):
    """Usage in percent: -1 when unlimited, 100 when nothing is allowed."""
    if max_value < 0:
        return -1
    if max_value == 0:
        return 100
    return int(float(current) / max_value * 100)


def check_user_limit(user, name, count=1, new_value=None, old_value=0):
    """Raise LimitReached when ``user`` may not create ``count`` more
    objects (or, for a sum limit, raise the summed value from
    ``old_value`` to ``new_value``).
    """
    if user is None or user.is_superuser or not admin_limits_enabled():
        return
    if user.role not in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        return
    definition = USER_LIMIT_DEFINITIONS[name]
    if user.role not in definition["roles"]:
        return
    limit = get_user_limit(user, name)
    if limit.max_value > 0:
        limit = get_user_limit(user, name, lock=True)
    if definition["type"] == "sum":
        if limit.max_value == 0:
            return
        if new_value is None:
            return
        if new_value == 0:
            raise UnlimitedValueRefused(
                _("You cannot define an unlimited value for %s") % limit.label,
                field=definition.get("field"),
            )
        if limit.max_value < 0:
            return
        delta = new_value - (old_value or 0)
        if delta <= 0:
            return
        if user_limit_current(limit) + delta > limit.max_value:
            raise LimitReached(_("%s: limit reached") % limit.label, field=definition.get("field"))
        return
    if limit.max_value < 0:
        return
    if user_limit_current(limit) + count > limit.max_value:
        raise LimitReached(_("%s: limit reached") % limit.label)


def check_domain_limit(domain, name, count=1):
    """Raise LimitReached when ``domain`` may not hold ``count`` more
    objects of kind ``name``.
    """
    if domain is None or not domain_limits_enabled():
        return
    limit = DomainObjectLimit.objects.filter(domain=domain, name=name).first()
    if limit is None:
        create_domain_limits(domain)
        limit = DomainObjectLimit.objects.get(domain=domain, name=name)
    if limit.max_value < 0:
        return
    limit = _for_update(DomainObjectLimit.objects.filter(pk=limit.pk)).get()
    if limit.max_value < 0:
        return
    if domain_limit_current(limit) + count > limit.max_value:
        raise LimitReached(_("%s: limit reached") % limit.label)


def check_can_create(user, klass, object_type, *, domain=None, count=1, instance=None):
    """Fire ``can_create_object`` as upstream does before creating objects:
    once with the acting administrator as context (not for management
    commands, which act as superusers), then once with ``domain``. The
    limits' own receivers, and any extension's, raise to refuse.
    """
    handlers.connect()
    contexts = [user] if user is not None else []
    if domain is not None:
        contexts.append(domain)
    for context in contexts:
        core_signals.can_create_object.send(
            sender=klass,
            context=context,
            klass=klass,
            object_type=object_type,
            count=count,
            instance=instance,
        )


def clean_limit_value(name, value):
    """Return ``value`` as an integer of at least -1, or raise BadLimitValue."""
    try:
        value = parse_integer(value)
    except ValueError:
        raise BadLimitValue(_("Enter a whole number."), field=name) from None
    if value < -1:
        raise BadLimitValue(_("Invalid limit value: -1 means unlimited"), field=name)
    if value > 2147483647:
        raise BadLimitValue(_("This value is too large."), field=name)
    return value


@transaction.atomic
def set_user_limit(account, name, value, *, acting_user):
    """Set ``account``'s limit ``name`` to ``value``.

    Only superusers and resellers set limits, and never their own; limits
    belong to resellers and domain administrators. A reseller takes the
    amount from its own limit (and gets back what it frees); it cannot
    grant an unlimited value unless it is itself unlimited, nor more than it
    has left (UnsufficientResource).
    """
    if name not in USER_LIMIT_DEFINITIONS:
        raise BadRequest(_("Unknown limit: %s") % name, field=name)
    value = clean_limit_value(name, value)
    if acting_user is not None and not acting_user.is_superuser:
        if acting_user.role != core_constants.RESELLERS:
            raise PermDeniedException(_("You are not allowed to set limits"), field=name)
        if account.pk == acting_user.pk:
            raise PermDeniedException(_("You can't change your own limits"), field=name)
        if not acting_user.can_access(account):
            raise PermDeniedException(_("You are not allowed to access this object"))
    if account.role not in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        raise BadRequest(_("Only resellers and domain administrators have limits"), field=name)
    limit = get_user_limit(account, name)
    if limit.max_value == value:
        return limit
    if acting_user is not None and not acting_user.is_superuser and admin_limits_enabled():
        own = get_user_limit(acting_user, name, lock=True)
        if own.max_value >= 0:
            if value == -1:
                raise UnsufficientResource(
                    _("You cannot grant an unlimited %s") % own.label, field=name
                )
            delta = value - max(limit.max_value, 0)
            remaining = own.max_value - user_limit_current(own)
            if delta > remaining:
                raise UnsufficientResource(
                    _("Not enough resources left for %s") % own.label, field=name
                )
            own.max_value -= delta
            own.save(update_fields=["max_value"])
    limit.max_value = value
    limit.save(update_fields=["max_value"])
    audit.log_message(
        "Limit %s of account %s set to %d by %s",
        name,
        account.username,
        value,
        audit.actor_label(acting_user),
    )
    return limit


def return_resources(account):
    """Give ``account``'s allocated limits back to the reseller owning it
    (the account keeps nothing: its limits drop to 0).
    """
    from modoboa.core.access import get_owner

    owner = get_owner(account)
    if owner is None or owner.is_superuser or owner.pk == account.pk:
        return
    if owner.role != core_constants.RESELLERS:
        return
    for limit in UserObjectLimit.objects.filter(user=account):
        if limit.max_value <= 0:
            continue
        own = get_user_limit(owner, limit.name)
        if own.max_value >= 0:
            own.max_value += limit.max_value
            own.save(update_fields=["max_value"])
        limit.max_value = 0
        limit.save(update_fields=["max_value"])


@transaction.atomic
def set_domain_limit(domain, name, value, *, acting_user=None):
    """Set the limit ``name`` of ``domain`` (administrators who may change
    the domain do this; ``acting_user`` None is a management command).
    """
    if name not in DOMAIN_LIMIT_DEFINITIONS:
        raise BadRequest(_("Unknown limit: %s") % name, field=name)
    value = clean_limit_value(name, value)
    if acting_user is not None and not acting_user.is_superuser:
        if not acting_user.has_perm("admin.change_domain"):
            raise PermDeniedException(_("You are not allowed to do this"), field=name)
        if not acting_user.can_access(domain):
            raise PermDeniedException(_("You are not allowed to access this object"))
    limit, _created = DomainObjectLimit.objects.get_or_create(
        domain=domain, name=name, defaults={"max_value": value}
    )
    if limit.max_value != value:
        limit.max_value = value
        limit.save(update_fields=["max_value"])
        audit.log_message(
            "Limit %s of domain %s set to %d by %s",
            name,
            domain.name,
            value,
            audit.actor_label(acting_user),
        )
    return limit


def user_limits_summary(user):
    """Return ``[{name, label, max, current, usage}]`` for ``user``'s role."""
    role = user.role
    names = [name for name, d in USER_LIMIT_DEFINITIONS.items() if role in d["roles"]]
    if not names:
        return []
    limits = {row.name: row for row in UserObjectLimit.objects.filter(user=user, name__in=names)}
    if len(limits) < len(names):
        create_user_limits(user)
        limits = {
            row.name: row for row in UserObjectLimit.objects.filter(user=user, name__in=names)
        }
    currents = _current_values(user, names)
    return [
        {
            "name": name,
            "label": USER_LIMIT_DEFINITIONS[name]["label"],
            "max": limits[name].max_value,
            "current": currents[name],
            "usage": usage_percent(limits[name].max_value, currents[name]),
        }
        for name in names
    ]


def domain_limits_summary(domain):
    result = []
    for name, definition in DOMAIN_LIMIT_DEFINITIONS.items():
        limit = DomainObjectLimit.objects.filter(domain=domain, name=name).first()
        if limit is None:
            continue
        current = domain_limit_current(limit)
        result.append(
            {
                "name": name,
                "label": definition["label"],
                "max": limit.max_value,
                "current": current,
                "usage": usage_percent(limit.max_value, current),
            }
        )
    return result
