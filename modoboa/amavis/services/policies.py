"""Amavis' ``users`` and ``policy`` rows of the domains (the "Content filter").

Each domain has a ``users`` row ``@domain`` (priority 7) pointing at a
``policy`` named after it; a domain alias gets its own ``users`` row on the
policy of its target. The rows follow creation, rename and deletion.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.admin.services.common import require_access, require_perm
from modoboa.lib.exceptions import BadRequest

from ..dbrouter import amavis_alias
from ..models import Policy, Users

FILTERS = {
    "bypass_virus_checks": "virus",
    "bypass_spam_checks": "spam",
    "bypass_banned_checks": "banned",
}
# Console/API value -> bypass_* column: the filter on means "do not bypass".
FILTER_VALUES = {"yes": "N", "no": "Y", "default": None}
FILTER_LABELS = {"N": "yes", "Y": "no", None: "default"}
MAX_LEVEL = 999.0


def _key(name):
    return "@%s" % name


def domain_policy_row(name):
    return Users.objects.select_related("policy").filter(email=_key(name)).first()


def create_domain_policy(name):
    """The ``users``/``policy`` rows of a new domain (idempotent)."""
    with transaction.atomic(using=amavis_alias()):
        row = domain_policy_row(name)
        if row is not None:
            return row.policy
        policy = Policy.objects.create(policy_name=name[:32])
        Users.objects.create(email=_key(name), fullname=name, priority=7, policy=policy)
        return policy


def rename_domain_policy(old_name, new_name):
    with transaction.atomic(using=amavis_alias()):
        row = domain_policy_row(old_name)
        if row is None:
            return create_domain_policy(new_name)
        Users.objects.filter(pk=row.pk).update(email=_key(new_name), fullname=new_name)
        Policy.objects.filter(pk=row.policy_id).update(policy_name=new_name[:32])
        return row.policy


def delete_policy_user(name):
    """Remove the ``users`` rows of a domain or domain alias (``@name`` and
    its addresses' own), their allow/block lists, and the policies no row
    uses any more.
    """
    from django.db.models import Q

    from ..lookups import OctetsAsText
    from ..models import Wblist

    with transaction.atomic(using=amavis_alias()):
        rows = list(
            Users.objects.annotate(email_text=OctetsAsText("email"))
            .filter(Q(email=_key(name)) | Q(email_text__endswith=_key(name)))
            .values_list("pk", "policy_id")
        )
        if not rows:
            return
        ids = [pk for pk, _policy in rows]
        Wblist.objects.filter(rid__in=ids).delete()
        Users.objects.filter(pk__in=ids).delete()
        policy_ids = {policy for _pk, policy in rows}
        used = set(
            Users.objects.filter(policy_id__in=policy_ids).values_list("policy_id", flat=True)
        )
        Policy.objects.filter(pk__in=policy_ids - used).delete()


def create_alias_policy(alias_name, target_name):
    """A domain alias shares the policy of its target."""
    with transaction.atomic(using=amavis_alias()):
        policy = create_domain_policy(target_name)
        row = Users.objects.filter(email=_key(alias_name)).first()
        if row is None:
            Users.objects.create(
                email=_key(alias_name), fullname=alias_name, priority=7, policy=policy
            )
        elif row.policy_id != policy.pk:
            Users.objects.filter(pk=row.pk).update(policy=policy)


def rename_alias_policy(old_name, new_name, target_name):
    delete_policy_user(old_name)
    create_alias_policy(new_name, target_name)


def sync_all_domains():
    """Create the rows of every domain and domain alias that lacks them."""
    from modoboa.admin.models import Domain, DomainAlias

    for name in Domain.objects.values_list("name", flat=True):
        create_domain_policy(name)
    for name, target in DomainAlias.objects.values_list("name", "target__name"):
        create_alias_policy(name, target)


def get_content_filter(domain):
    """The content-filter settings of ``domain`` as the console shows them."""
    policy = create_domain_policy(domain.name)
    values = {
        key: FILTER_LABELS.get(getattr(policy, column), "default")
        for column, key in FILTERS.items()
    }
    values.update(
        spam_tag2_level=policy.spam_tag2_level,
        spam_kill_level=policy.spam_kill_level,
        spam_subject_tag2=policy.spam_subject_tag2,
    )
    return values


def _level(value, field):
    if value in (None, ""):
        return None
    try:
        level = float(value)
    except (TypeError, ValueError):
        raise BadRequest(_("Enter a number."), field=field) from None
    if not -MAX_LEVEL <= level <= MAX_LEVEL:
        raise BadRequest(_("Enter a number between -999 and 999."), field=field)
    return level


def update_content_filter(domain, *, acting_user, **values):
    """Change the content filter of ``domain``; unknown or invalid values
    raise BadRequest naming the field, and nothing is written.
    """
    require_perm(acting_user, "admin.change_domain")
    require_access(acting_user, domain)
    changes = {}
    for column, key in FILTERS.items():
        if key in values:
            if values[key] not in FILTER_VALUES:
                raise BadRequest(_("Choose yes, no or default."), field=key)
            changes[column] = FILTER_VALUES[values[key]]
    for field in ("spam_tag2_level", "spam_kill_level"):
        if field in values:
            changes[field] = _level(values[field], field)
    if "spam_subject_tag2" in values:
        tag = values["spam_subject_tag2"]
        tag = None if tag in (None, "") else str(tag)
        if tag is not None and (len(tag) > 64 or any(c in tag for c in "\r\n\0")):
            raise BadRequest(_("At most 64 characters on one line."), field="spam_subject_tag2")
        changes["spam_subject_tag2"] = tag
    unknown = (
        set(values)
        - set(FILTERS.values())
        - {
            "spam_tag2_level",
            "spam_kill_level",
            "spam_subject_tag2",
        }
    )
    if unknown:
        field = sorted(unknown)[0]
        raise BadRequest(_("Unknown field: %s") % field, field=field)
    tag2 = changes.get("spam_tag2_level")
    kill = changes.get("spam_kill_level")
    if tag2 is not None and kill is not None and kill < tag2:
        raise BadRequest(
            _("The kill level must not be lower than the tag2 level."), field="spam_kill_level"
        )
    policy = create_domain_policy(domain.name)
    if changes:
        Policy.objects.filter(pk=policy.pk).update(**changes)
    return get_content_filter(domain)


def use_bayes_database(level, address):
    """Make Amavis scan ``address``'s mail with the Bayes database that
    learning at ``level`` trains: the domain's policy gets ``sa_username`` =
    the domain; for the user level, the address gets a policy of its own (a
    copy of its domain's) with ``sa_username`` = the address, as 1.10 did at
    the first learning.
    """
    domain = address.rsplit("@", 1)[1]
    if level == "domain":
        policy = create_domain_policy(domain)
        if policy.sa_username != domain:
            Policy.objects.filter(pk=policy.pk).update(sa_username=domain)
        return
    if level != "user":
        return
    with transaction.atomic(using=amavis_alias()):
        row = Users.objects.select_related("policy").filter(email=address).first()
        if row is not None and row.policy.sa_username == address:
            return
        base = row.policy if row is not None else create_domain_policy(domain)
        policy = Policy.objects.get(pk=base.pk)
        policy.pk = None
        policy.policy_name = address[:32]
        policy.sa_username = address
        policy.save()
        if row is None:
            Users.objects.create(email=address, fullname=address, priority=10, policy=policy)
        else:
            Users.objects.filter(pk=row.pk).update(policy=policy)
