"""Who may see and manage which object: one helper for views and API.

Access is computed with set-based SQL filters instead of one
``core_objectaccess`` row per object and per administrator:

- a superuser reaches everything and needs no rows;
- every other administrator reaches the objects it owns (an ``is_owner``
  row written for the creator) and the domains it administers (a row on the
  domain); the domain's aliases, mailboxes, aliases and their accounts
  follow from the domain.

Applications register the filter of each of their models with
:func:`register`, so :func:`filter_for_admin` and :func:`can_access` work for
any model.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q

from . import constants

_FILTERS = {}


def register(model, builder):
    """Declare how to filter ``model`` rows for an administrator.

    ``builder(user)`` returns a ``Q`` object selecting the rows a
    non-superuser ``user`` may reach.
    """
    _FILTERS[model._meta.label_lower] = builder


def object_access_rows(user, model, owner_only=False):
    """Return the ObjectAccess rows of ``user`` on objects of ``model``."""
    from .models import ObjectAccess

    rows = ObjectAccess.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(model)
    )
    if owner_only:
        rows = rows.filter(is_owner=True)
    return rows


def direct_access(user, model):
    """``Q`` selecting the rows of ``model`` ``user`` has a row on.

    An ``IN`` over the (indexed) access rows rather than a correlated
    EXISTS: ORed with other ``IN`` terms, the engines look each set up by
    index instead of testing every row of the table.
    """
    return Q(pk__in=object_access_rows(user, model).values("object_id"))


def accessible_domain_ids(user):
    """Subquery of the ids of the domains ``user`` owns or administers.

    A domain administrator's disabled domains are out of its reach (see
    ``modoboa.admin.access``); their owners and superusers keep them.
    """
    from modoboa.admin.models import Domain

    rows = object_access_rows(user, Domain).values("object_id")
    if user.role == constants.DOMAINADMINS:
        return Domain.objects.filter(pk__in=rows, enabled=True).values("pk")
    return rows


def filter_for_admin(user, queryset):
    """Restrict ``queryset`` to the rows ``user`` may reach.

    A simple user administers nothing: only its own account is in reach,
    whatever rows an earlier admin role left behind.
    """
    if user.is_superuser:
        return queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role not in constants.ADMIN_ROLES:
        if queryset.model._meta.label_lower == "core.user":
            return queryset.filter(pk=user.pk)
        return queryset.none()
    builder = _FILTERS.get(queryset.model._meta.label_lower)
    if builder is None:
        return queryset.filter(direct_access(user, queryset.model))
    return queryset.filter(builder(user))


def can_access(user, obj):
    """Tell whether ``user`` may see and manage ``obj``."""
    if user.is_superuser:
        return True
    if obj is None or obj.pk is None:
        return False
    model = type(obj)
    return filter_for_admin(user, model._default_manager.filter(pk=obj.pk)).exists()


def accessible_users(user, queryset):
    """Restrict an account queryset to the accounts ``user`` manages."""
    return filter_for_admin(user, queryset)


def register_core_filters():
    """Accounts are filtered by the admin application's role model
    (``modoboa.admin.access``), which knows mailboxes and domains.
    """


_LOGIN_CHECKS = []


def register_login_check(check):
    """Declare a rule that may end an account's console and API access.

    ``check(user)`` returns a message saying why ``user`` may not use the
    console or the API (or None).
    """
    if check not in _LOGIN_CHECKS:
        _LOGIN_CHECKS.append(check)


def login_refusal(user):
    """Why ``user`` may not log in or keep using a session or a token
    (None when it may): a disabled account, or any registered rule.
    """
    if not user.is_active:
        return "disabled"
    for check in _LOGIN_CHECKS:
        reason = check(user)
        if reason:
            return reason
    return None


def grant_ownerships(pairs, batch_size=1000):
    """``grant_access(obj, user, is_owner=True)`` for each ``(obj, user)``
    of ``pairs``, a few statements per thousand objects: the rows that
    exist become the owner's, the others are inserted.
    """
    from modoboa.lib.bulk_sql import insert_rows, new_instance

    from .models import ObjectAccess

    groups = {}
    for obj, user in pairs:
        content_type = ContentType.objects.get_for_model(obj)
        groups.setdefault((user, content_type), []).append(obj.pk)
    for (user, content_type), ids in groups.items():
        template = new_instance(ObjectAccess, user=user, content_type=content_type, is_owner=True)
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            ObjectAccess.objects.filter(
                user=user, content_type=content_type, object_id__in=chunk, is_owner=False
            ).update(is_owner=True)
            insert_rows(
                ObjectAccess,
                ("object_id",),
                [(pk,) for pk in chunk],
                template=template,
                ignore_conflicts=True,
            )


def grant_access(obj, user, is_owner=False):
    """Record that ``user`` reaches (and maybe owns) ``obj``: an existing
    row is kept, and becomes the owner's when ``is_owner``.

    One INSERT ... ON CONFLICT statement instead of a SELECT, a savepoint
    and an INSERT: every creation writes one or two of these rows.
    """
    from .models import ObjectAccess

    row = ObjectAccess(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        is_owner=is_owner,
    )
    if not is_owner:
        ObjectAccess.objects.bulk_create([row], ignore_conflicts=True)
        return
    unique = {}
    if connection.features.supports_update_conflicts_with_target:
        unique["unique_fields"] = ["user", "content_type", "object_id"]
    ObjectAccess.objects.bulk_create(
        [row], update_conflicts=True, update_fields=["is_owner"], **unique
    )


def ungrant_access(obj, user):
    """Remove ``user``'s row on ``obj``; ownership passes to a superuser."""
    from .models import ObjectAccess, User

    ct = ContentType.objects.get_for_model(obj)
    rows = ObjectAccess.objects.filter(user=user, content_type=ct, object_id=obj.pk)
    was_owner = rows.filter(is_owner=True).exists()
    rows.delete()
    if was_owner:
        heir = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if heir is not None and heir.pk != user.pk:
            grant_access(obj, heir, is_owner=True)


def get_owner(obj):
    """Return the owner of ``obj`` (or None)."""
    from .models import ObjectAccess

    ct = ContentType.objects.get_for_model(obj)
    row = (
        ObjectAccess.objects.select_related("user")
        .filter(content_type=ct, object_id=obj.pk, is_owner=True)
        .first()
    )
    return row.user if row else None


def remove_object_rows(obj):
    """Delete every access row on ``obj`` (when it is deleted)."""
    from .models import ObjectAccess

    ct = ContentType.objects.get_for_model(obj)
    ObjectAccess.objects.filter(content_type=ct, object_id=obj.pk).delete()


def remove_rows_for(model, ids):
    """Delete the access rows on the ``model`` objects whose ids are given."""
    from .models import ObjectAccess

    ct = ContentType.objects.get_for_model(model)
    ObjectAccess.objects.filter(content_type=ct, object_id__in=ids).delete()


def domain_admins(domain):
    """Non-superuser accounts that own or administer ``domain``."""
    from .models import User

    rows = object_access_rows_for_object(domain)
    return User.objects.filter(is_superuser=False, pk__in=rows.values("user_id"))


def object_access_rows_for_object(obj):
    from .models import ObjectAccess

    ct = ContentType.objects.get_for_model(obj)
    return ObjectAccess.objects.filter(content_type=ct, object_id=obj.pk)


def administered_domains(user):
    """Domains ``user`` owns or administers (all of them for superusers)."""
    from modoboa.admin.models import Domain

    return Domain.objects.get_for_admin(user)
