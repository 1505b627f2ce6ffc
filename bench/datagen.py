"""Fill a migrated, empty database with N mailboxes through bulk inserts.

Run inside a Django process (ours or upstream's: the flavour is detected)
whose settings point at the database:

    DJANGO_SETTINGS_MODULE=... python bench/datagen.py --mailboxes 100000

For ``N`` mailboxes it writes ``N/10`` domains (10 mailboxes each, a domain
quota and usage in ``admin_quota``), ``N/2`` aliases of 3 recipients each
(two local mailboxes and one external address), a domain alias for every
tenth domain, resellers (one per 1,000 domains, at least one) owning every
fifth domain and everything inside it, and a domain administrator in every
tenth domain. The rows are the ones the service layer of each flavour
writes for the same objects: accounts with their role group, mailboxes,
quota rows, internal self-aliases with their recipient, the internal alias
of each domain alias, ownership rows, access rows of domain administrators,
and the limit rows of domains and accounts. Upstream also gives every
superuser a row on each object another administrator creates, gives a
domain administrator a row on every object of its domain, and gives every
account limit rows: it gets them too. History (reversion, ``core_log``) is
not generated: no workload reads it.

Primary keys are assigned here, so no insert has to read ids back; the
PostgreSQL sequences are moved past them at the end.
"""

import argparse
import contextlib
import os
import sys
import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 5000
# Shared by every generated account: the benchmarks log in as "admin" and
# the resellers with it.
PASSWORD = "Bench-Passw0rd!"
MAILBOXES_PER_DOMAIN = 10
DOMAIN_QUOTA = 2000  # MB: 10 mailboxes of 100 MB, half of it allocated
MAILBOX_QUOTA = 100


def domain_name(index):
    return "domain%d.test" % index


def plan(mailboxes):
    """The shape of the data for ``mailboxes`` mailboxes."""
    domains = max(1, mailboxes // MAILBOXES_PER_DOMAIN)
    return {
        "mailboxes": domains * MAILBOXES_PER_DOMAIN,
        "domains": domains,
        "aliases": domains * MAILBOXES_PER_DOMAIN // 2,
        "domain_aliases": domains // 10,
        "resellers": max(1, domains // 1000),
    }


def reseller_of(domain_index, resellers):
    """Index of the reseller owning a domain, or None for the superadmin."""
    if domain_index % 5 != 1:
        return None
    return (domain_index // 5) % resellers


class Writer:
    """Bulk inserts with explicit primary keys, in batches."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.pending = {}
        # Every model in the order it first came: referenced rows go first.
        self.order = []
        self.counts = {}
        self.next_ids = {}
        self.batch = BATCH

    def next_id(self, model):
        if model not in self.next_ids:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self.next_ids[model] = last + 1
        value = self.next_ids[model]
        self.next_ids[model] += 1
        return value

    def add(self, obj):
        model = type(obj)
        if model not in self.order:
            self.order.append(model)
        rows = self.pending.setdefault(model, [])
        rows.append(obj)
        if len(rows) >= self.batch:
            self.flush()

    def flush(self):
        from django.db import transaction

        # In the order the models first came, for engines that check
        # foreign keys at once (MariaDB); in one transaction, for those that
        # check them at commit (PostgreSQL, when it commits batch by batch).
        with transaction.atomic():
            for current in self.order:
                rows = self.pending.pop(current, [])
                if rows:
                    current.objects.bulk_create(rows, batch_size=self.batch)
                    self.counts[current._meta.db_table] = self.counts.get(
                        current._meta.db_table, 0
                    ) + len(rows)

    def reset_sequences(self):
        from django.core.management.color import no_style

        statements = self.connection.ops.sequence_reset_sql(no_style(), list(self.next_ids))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class Flavour:
    """What differs between our schema/rules and upstream's."""

    def __init__(self):
        from django.contrib.contenttypes.models import ContentType

        import modoboa

        self.upstream = os.path.realpath(modoboa.__file__) != os.path.join(
            ROOT, "modoboa", "__init__.py"
        )
        from django.contrib.auth.models import Group

        from modoboa.admin import models as admin_models
        from modoboa.core import models as core_models
        from modoboa.limits import models as limits_models

        self.admin = admin_models
        self.core = core_models
        self.limits = limits_models
        self.ct = {
            name: ContentType.objects.get_for_model(model)
            for name, model in (
                ("user", core_models.User),
                ("domain", admin_models.Domain),
                ("domainalias", admin_models.DomainAlias),
                ("mailbox", admin_models.Mailbox),
                ("alias", admin_models.Alias),
            )
        }
        self.groups = {
            name: Group.objects.get_or_create(name=name)[0].pk
            for name in ("SimpleUsers", "DomainAdmins", "Resellers")
        }
        from modoboa.parameters import tools as param_tools

        self.limit_params = dict(param_tools.get_global_parameters("limits"))
        if self.upstream:
            from modoboa.limits import utils

            self.user_limits = [
                (name, definition["content_type"])
                for name, definition in utils.get_user_limit_templates()
            ]
            self.domain_limits = [name for name, _d in utils.get_domain_limit_templates()]
        else:
            from modoboa.limits.constants import DOMAIN_LIMIT_DEFINITIONS, USER_LIMIT_DEFINITIONS

            self.user_limits = [
                (name, "%s.%s" % definition["model"])
                for name, definition in USER_LIMIT_DEFINITIONS.items()
            ]
            self.domain_limits = list(DOMAIN_LIMIT_DEFINITIONS)
        self.limit_ct = {}
        for _name, label in self.user_limits:
            if label not in self.limit_ct:
                self.limit_ct[label] = ContentType.objects.get_by_natural_key(*label.split(".")).pk

    def user_limits_for(self, role, creator_is_superuser):
        """Rows of ``UserObjectLimit`` a new account of ``role`` gets."""
        if not self.upstream and role == "SimpleUsers":
            return []
        rows = []
        for name, label in self.user_limits:
            value = 0
            if creator_is_superuser:
                value = self.limit_params.get("deflt_user_%s_limit" % name, 0)
            rows.append((name, self.limit_ct[label], value))
        return rows


def generate(mailboxes, *, log=print):
    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    shape = plan(mailboxes)
    flavour = Flavour()
    core, admin, limits = flavour.core, flavour.admin, flavour.limits
    user_groups = core.User.groups.through
    superadmin = core.User.objects.get(username="admin")
    superusers = list(core.User.objects.filter(is_superuser=True).values_list("pk", flat=True))
    password = "{SHA512-CRYPT}" + crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))
    now = timezone.now()
    writer = Writer()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")

    def access(user_id, ct, object_id, owner):
        writer.add(
            core.ObjectAccess(
                id=writer.next_id(core.ObjectAccess),
                user_id=user_id,
                content_type_id=flavour.ct[ct].pk,
                object_id=object_id,
                is_owner=owner,
            )
        )
        if owner and flavour.upstream:
            for su in superusers:
                if su != user_id:
                    access(su, ct, object_id, False)

    def account(username, role, owner_id, creator_is_superuser, email="", first="", last=""):
        user_id = writer.next_id(core.User)
        writer.add(
            core.User(
                id=user_id,
                username=username,
                email=email,
                password=password,
                first_name=first,
                last_name=last,
                is_active=True,
                date_joined=now,
            )
        )
        writer.add(user_groups(user_id=user_id, group_id=flavour.groups[role]))
        access(owner_id, "user", user_id, True)
        for name, ct_id, value in flavour.user_limits_for(role, creator_is_superuser):
            writer.add(
                limits.UserObjectLimit(
                    user_id=user_id, name=name, content_type_id=ct_id, max_value=value
                )
            )
        return user_id

    # PostgreSQL's admin_quota trigger takes an advisory lock per row until
    # the end of the transaction: there, commit batch by batch (the shared
    # lock table holds a few thousand).
    if connection.vendor == "postgresql":
        writer.batch = 2000
        scope = contextlib.nullcontext()
    else:
        scope = transaction.atomic()
    with scope:
        resellers = []
        for r in range(shape["resellers"]):
            resellers.append(
                account(
                    "reseller%d" % r,
                    "Resellers",
                    superadmin.pk,
                    True,
                    email="reseller%d@bench.test" % r,
                    first="Reseller",
                    last=str(r),
                )
            )
        writer.flush()
        alias_count = 0
        per_domain_aliases = shape["aliases"] // shape["domains"]
        for d in range(shape["domains"]):
            name = domain_name(d)
            r = reseller_of(d, len(resellers))
            owner = superadmin.pk if r is None else resellers[r]
            owner_is_su = r is None
            domain_id = writer.next_id(admin.Domain)
            domain = admin.Domain(
                id=domain_id,
                name=name,
                quota=DOMAIN_QUOTA,
                default_mailbox_quota=MAILBOX_QUOTA,
                enabled=True,
                type="domain",
                enable_dns_checks=False,
                creation=now,
                last_modification=now,
            )
            writer.add(domain)
            access(owner, "domain", domain_id, True)
            for limit in flavour.domain_limits:
                writer.add(
                    limits.DomainObjectLimit(
                        domain_id=domain_id,
                        name=limit,
                        max_value=flavour.limit_params.get("deflt_domain_%s_limit" % limit, 0),
                    )
                )
            domain_admin = None
            in_domain = []  # (content type, id) of the objects a domain admin reaches
            mailbox_ids = []
            for m in range(MAILBOXES_PER_DOMAIN):
                address = "user%d@%s" % (m, name)
                is_admin = m == 0 and d % 10 == 3
                user_id = account(
                    address,
                    "DomainAdmins" if is_admin else "SimpleUsers",
                    owner,
                    owner_is_su,
                    email=address,
                    first="First%d" % m,
                    last="Last%d" % d,
                )
                mailbox_id = writer.next_id(admin.Mailbox)
                writer.add(
                    admin.Mailbox(
                        id=mailbox_id,
                        address="user%d" % m,
                        domain=domain,
                        user_id=user_id,
                        quota=MAILBOX_QUOTA,
                        use_domain_quota=True,
                        creation=now,
                        last_modification=now,
                    )
                )
                access(owner, "mailbox", mailbox_id, True)
                writer.add(
                    admin.Quota(
                        username=address,
                        bytes=((d * 7 + m * 13) % 100) * 1024 * 1024,
                        messages=(d + m) % 500,
                    )
                )
                self_alias = writer.next_id(admin.Alias)
                writer.add(
                    admin.Alias(
                        id=self_alias,
                        address=address,
                        domain_id=domain_id,
                        internal=True,
                        enabled=True,
                        creation=now,
                        last_modification=now,
                    )
                )
                writer.add(
                    admin.AliasRecipient(
                        alias_id=self_alias, address=address, r_mailbox_id=mailbox_id
                    )
                )
                mailbox_ids.append((mailbox_id, address))
                if is_admin:
                    domain_admin = user_id
                else:
                    in_domain += [("user", user_id), ("mailbox", mailbox_id)]
            for k in range(per_domain_aliases):
                alias_id = writer.next_id(admin.Alias)
                address = "alias%d@%s" % (k, name)
                writer.add(
                    admin.Alias(
                        id=alias_id,
                        address=address,
                        domain_id=domain_id,
                        internal=False,
                        enabled=True,
                        description="Bench alias %d" % alias_count,
                        creation=now,
                        last_modification=now,
                    )
                )
                access(owner, "alias", alias_id, True)
                in_domain.append(("alias", alias_id))
                for mailbox_id, target in (mailbox_ids[k % 10], mailbox_ids[(k + 3) % 10]):
                    writer.add(
                        admin.AliasRecipient(
                            alias_id=alias_id, address=target, r_mailbox_id=mailbox_id
                        )
                    )
                writer.add(
                    admin.AliasRecipient(
                        alias_id=alias_id, address="ext%d@external.test" % alias_count
                    )
                )
                alias_count += 1
            if d % 10 == 7 and d // 10 < shape["domain_aliases"] * 10:
                alias_name = "alias-%s" % name
                domain_alias_id = writer.next_id(admin.DomainAlias)
                writer.add(
                    admin.DomainAlias(
                        id=domain_alias_id,
                        name=alias_name,
                        target_id=domain_id,
                        enabled=True,
                        creation=now,
                        last_modification=now,
                    )
                )
                access(owner, "domainalias", domain_alias_id, True)
                internal = writer.next_id(admin.Alias)
                writer.add(
                    admin.Alias(
                        id=internal,
                        address="@" + alias_name,
                        domain_id=None,
                        internal=True,
                        enabled=True,
                        creation=now,
                        last_modification=now,
                    )
                )
                writer.add(admin.AliasRecipient(alias_id=internal, address="@" + name))
            if domain_admin is not None:
                access(domain_admin, "domain", domain_id, False)
                if flavour.upstream:
                    for ct, object_id in in_domain:
                        access(domain_admin, ct, object_id, False)
            if d % 1000 == 999:
                log("  %d/%d domains" % (d + 1, shape["domains"]))
        writer.flush()
        writer.reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    return {"seconds": round(elapsed, 1), "shape": shape, "rows": writer.counts}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, required=True)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import django

    django.setup()
    import json

    result = generate(args.mailboxes, log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
