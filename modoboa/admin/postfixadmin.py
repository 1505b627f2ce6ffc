"""Import a PostfixAdmin database (1.10's ``modoboa-pfxadmin-migrate``).

PostfixAdmin's tables are read with plain SQL through a Django connection
of their own; every object is created through the admin service layer, as
the console would, each in its own transaction: an object that cannot be
taken is reported with the reason and the others go on. Objects already
present are skipped, so a second run changes nothing.

What is taken: domains (quota, default mailbox quota, mailbox and alias
limits), alias domains, mailboxes (their hash stored as ``{SCHEME}hash`` so
that Dovecot verifies it, quota, name, enabled), aliases (multi-recipient,
catch-alls, forwards of mailboxes with or without local copy), domain
administrators (of several domains) and super administrators. Vacation
messages are reported: no application of this release holds them.
"""

import dataclasses

from django.db import connections, transaction

from modoboa.core import constants as roles
from modoboa.lib.exceptions import ModoboaException

# PostfixAdmin stores quotas in bytes, MB being 1024000 bytes by default
# ($CONF['quota_multiplier']).
QUOTA_MULTIPLIER = 1024000

SOURCE_ALIAS = "pfxadmin"


@dataclasses.dataclass
class Outcome:
    kind: str
    name: str
    taken: bool
    reason: str = ""
    present: bool = False


class Importer:
    """One run of the import (``dry_run`` rolls everything back)."""

    def __init__(self, source, scheme, *, report, progress=None):
        self.source = source
        self.scheme = scheme.strip("{}").upper()
        self.report = report
        self.progress = progress or (lambda kind, done, total: None)
        self.outcomes = []

    # Reading PostfixAdmin ---------------------------------------------------

    def rows(self, sql, params=()):
        with self.source.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0].lower() for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tables(self):
        return set(self.source.introspection.table_names())

    # Helpers ----------------------------------------------------------------

    def hashed(self, password):
        if password.startswith("{"):
            return password
        return "{%s}%s" % (self.scheme, password)

    def record(self, kind, name, taken, reason="", present=False):
        outcome = Outcome(kind, name, taken, reason, present)
        self.outcomes.append(outcome)
        if not taken and not present:
            self.report("%s %s not taken: %s" % (kind, name, reason))
        return outcome

    def attempt(self, kind, name, action):
        """Run ``action`` in its own transaction; report a refusal."""
        try:
            with transaction.atomic():
                result = action()
        except ModoboaException as error:
            return self.record(kind, name, False, str(error))
        if result is False:
            return self.record(kind, name, False, present=True)
        return self.record(kind, name, True)

    def each(self, kind, items, name, action):
        total = len(items)
        for done, item in enumerate(items, 1):
            self.attempt(kind, name(item), lambda item=item: action(item))
            self.progress(kind, done, total)

    # The import -------------------------------------------------------------

    def run(self):
        tables = self.tables()
        missing = {"domain", "mailbox", "alias", "admin", "domain_admins"} - tables
        if missing:
            raise ModoboaException(
                "Not a PostfixAdmin database: no table %s" % ", ".join(sorted(missing))
            )
        alias_domains = []
        if "alias_domain" in tables:
            alias_domains = self.rows(
                "SELECT alias_domain, target_domain, active FROM alias_domain "
                "ORDER BY alias_domain"
            )
        alias_names = {row["alias_domain"].lower() for row in alias_domains}
        domains = [
            row
            for row in self.rows(
                "SELECT domain, aliases, mailboxes, maxquota, quota, backupmx, active "
                "FROM domain WHERE domain <> 'ALL' ORDER BY domain"
            )
            if row["domain"].lower() not in alias_names
        ]
        self.each("domain", domains, lambda row: row["domain"], self.domain)
        self.each(
            "alias domain", alias_domains, lambda row: row["alias_domain"], self.alias_domain
        )
        mailboxes = self.rows(
            "SELECT username, password, name, maildir, quota, local_part, domain, active "
            "FROM mailbox ORDER BY username"
        )
        self.mailboxes(mailboxes)
        self.aliases(self.rows("SELECT address, goto, active FROM alias ORDER BY address"))
        admins = self.rows("SELECT username, password, superadmin, active FROM admin")
        administered = {}
        for row in self.rows("SELECT username, domain FROM domain_admins"):
            administered.setdefault(row["username"], []).append(row["domain"])
        for row in admins:
            row["domains"] = sorted(administered.get(row["username"], []))
        self.each("administrator", admins, lambda row: row["username"], self.admin)
        if "vacation" in tables:
            for row in self.rows("SELECT email, subject, active FROM vacation ORDER BY email"):
                self.record(
                    "vacation message",
                    row["email"],
                    False,
                    "this release has no away-message application yet (subject: %r, %s)"
                    % (row["subject"], "active" if _true(row["active"]) else "inactive"),
                )
        return self.outcomes

    def domain(self, row):
        from modoboa.admin.models import Domain
        from modoboa.admin.services import create_domain
        from modoboa.limits import services as limits

        name = row["domain"].lower()
        if Domain.objects.filter(name=name).exists():
            return False
        if _true(row["backupmx"]):
            raise ModoboaException(
                "a backup MX domain: create it as a relay domain with its transport"
            )
        domain = create_domain(
            acting_user=None,
            name=name,
            quota=max(_int(row["quota"]), 0),
            default_mailbox_quota=max(_int(row["maxquota"]), 0),
            enabled=_true(row["active"]),
        )
        # PostfixAdmin: 0 is unlimited, -1 allows none.
        for limit, column in (("mailboxes", "mailboxes"), ("mailbox_aliases", "aliases")):
            value = _int(row[column])
            limits.set_domain_limit(domain, limit, -1 if value == 0 else max(value, 0))
        return True

    def alias_domain(self, row):
        from modoboa.admin.models import DomainAlias
        from modoboa.admin.services import create_domain_alias

        name = row["alias_domain"].lower()
        if DomainAlias.objects.filter(name=name).exists():
            return False
        create_domain_alias(
            acting_user=None,
            name=name,
            target=row["target_domain"].lower(),
            enabled=_true(row["active"]),
        )
        return True

    def mailboxes(self, rows, batch=1000):
        """Mailboxes, in batches through the bulk path of ``modo import``
        (rows it does not accept go through ``create_account`` one by one).
        """
        from modoboa.admin.services import bulk
        from modoboa.core.models import User

        names = [row["username"].lower() for row in rows]
        existing = set()
        for start in range(0, len(names), 10000):
            existing.update(
                User.objects.filter(username__in=names[start : start + 10000]).values_list(
                    "username", flat=True
                )
            )
        pending = []
        for row in rows:
            username = row["username"].lower()
            expected = "%s/%s/" % (row["domain"].lower(), row["local_part"].lower())
            if username in existing:
                self.record("mailbox", username, False, present=True)
            elif (row["maildir"] or "").lower().rstrip("/") + "/" != expected:
                self.record(
                    "mailbox",
                    username,
                    False,
                    "its maildir %r is not <domain>/<local part>/, the home Dovecot gets "
                    "from Modoboa (%%Ld/%%Ln): move it there first" % row["maildir"],
                )
            else:
                pending.append(row)
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            specs = []
            for row in chunk:
                first, _sep, last = (row["name"] or "").partition(" ")
                specs.append(
                    bulk.AccountSpec(
                        username=row["username"].lower(),
                        password_hash=self.hashed(row["password"]),
                        first_name=first[:30],
                        last_name=last[:30],
                        is_active=_true(row["active"]),
                        email=row["username"].lower(),
                        quota=_quota(row["quota"]),
                    )
                )
            outcomes = bulk.create_simple_accounts(
                specs,
                acting_user=None,
                fallback=lambda index, chunk=chunk: self.mailbox(chunk[index]),
            )
            for row, outcome in zip(chunk, outcomes, strict=True):
                if outcome is None:
                    self.record("mailbox", row["username"].lower(), True)
                else:
                    self.record("mailbox", row["username"].lower(), False, str(outcome))
            self.progress("mailbox", start + len(chunk), len(pending))

    def mailbox(self, row):
        from modoboa.admin.services import create_account

        username = row["username"].lower()
        first, _sep, last = (row["name"] or "").partition(" ")
        create_account(
            acting_user=None,
            username=username,
            password_hash=self.hashed(row["password"]),
            role=roles.SIMPLEUSERS,
            first_name=first[:30],
            last_name=last[:30],
            is_active=_true(row["active"]),
            mailbox={
                "address": username,
                "quota": _quota(row["quota"]),
                "use_domain_quota": False,
            },
            validate_password=False,
        )
        return True

    def aliases(self, rows, batch=1000):
        """Aliases: a mailbox's own (PostfixAdmin keeps one per mailbox) is
        already there; plain aliases go in batches through the bulk path of
        the CSV import (rows it does not accept, through ``create_alias``
        one by one); forwards of mailboxes one by one.
        """
        from modoboa.admin.models import Alias, Mailbox
        from modoboa.admin.services import bulk_aliases

        mailboxes = {
            "%s@%s" % pair for pair in Mailbox.objects.values_list("address", "domain__name")
        }
        existing = set(Alias.objects.filter(internal=False).values_list("address", flat=True))
        plain = []
        for row in rows:
            address = row["address"].lower()
            recipients = _recipients(row)
            if address in mailboxes:
                if not [recipient for recipient in recipients if recipient != address]:
                    self.record("alias", address, False, present=True)
                else:
                    self.attempt("alias", address, lambda row=row: self.alias(row))
            elif address in existing:
                self.record("alias", address, False, present=True)
            else:
                plain.append((row, address, recipients))
        for start in range(0, len(plain), batch):
            chunk = plain[start : start + batch]
            present = set()

            def fallback(index, chunk=chunk, present=present):
                if self.alias(chunk[index][0]) is False:
                    present.add(index)

            outcomes = bulk_aliases.create_aliases(
                [
                    bulk_aliases.AliasSpec(address, recipients, _true(row["active"]))
                    for row, address, recipients in chunk
                ],
                acting_user=None,
                fallback=fallback,
            )
            for index, (item, outcome) in enumerate(zip(chunk, outcomes, strict=True)):
                address = item[1]
                if outcome is not None:
                    self.record("alias", address, False, str(outcome))
                else:
                    self.record("alias", address, index not in present, present=index in present)
            self.progress("alias", start + len(chunk), len(plain))

    def alias(self, row):
        from modoboa.admin.models import Alias, Mailbox
        from modoboa.admin.services import aliases

        address = row["address"].lower()
        recipients = _recipients(row)
        local, _sep, domain = address.partition("@")
        mailbox = Mailbox.objects.filter(address=local, domain__name=domain).first()
        if mailbox is not None:
            others = [recipient for recipient in recipients if recipient != address]
            if not others:
                # The mailbox's own alias: Modoboa makes it with the mailbox.
                return False
            if aliases.get_forward(mailbox)[0]:
                return False
            aliases.set_forward(
                mailbox, others, keep_local_copies=address in recipients, acting_user=None
            )
            return True
        if Alias.objects.filter(address=address, internal=False).exists():
            return False
        aliases.create_alias(
            acting_user=None,
            address=address,
            recipients=recipients,
            enabled=_true(row["active"]),
        )
        return True

    def admin(self, row):
        from modoboa.admin.services import create_account, update_account
        from modoboa.core.models import User

        username = row["username"].lower()
        superadmin = _true(row["superadmin"]) or "ALL" in row["domains"]
        role = roles.SUPERADMINS if superadmin else roles.DOMAINADMINS
        domains = [name.lower() for name in row["domains"] if name != "ALL"]
        account = User.objects.filter(username=username).first()
        if account is not None:
            if account.role == role:
                return False
            # A mailbox owner who administered domains: promoted, keeping
            # the mailbox's password (PostfixAdmin kept two).
            changes = {"role": role}
            if not superadmin:
                changes["domains"] = domains
            update_account(account, acting_user=None, **changes)
            return True
        create_account(
            acting_user=None,
            username=username,
            password_hash=self.hashed(row["password"]),
            role=role,
            is_active=_true(row["active"]),
            domains=() if superadmin else domains,
            validate_password=False,
        )
        return True


def _recipients(row):
    """The addresses of an alias row's ``goto`` (comma-separated)."""
    return [goto.strip().lower() for goto in (row["goto"] or "").split(",") if goto.strip()]


def _true(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "y", "yes")
    return bool(value)


def _quota(value):
    """PostfixAdmin's quota in bytes, as MB rounded up (0: unlimited)."""
    quota = _int(value)
    return -(-quota // QUOTA_MULTIPLIER) if quota > 0 else 0


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def open_source(url=None, alias=SOURCE_ALIAS):
    """Return a connection to the PostfixAdmin database: ``url`` (any
    dj-database-url), else the ``alias`` entry of DATABASES.
    """
    if url:
        import dj_database_url

        alias = "postfixadmin_source"
        # The keys Django expects, from the default connection, then the URL's.
        settings = dict(connections.settings["default"], OPTIONS={}, ATOMIC_REQUESTS=False)
        settings.update(dj_database_url.parse(url))
        connections.settings[alias] = settings
    elif alias not in connections.settings:
        raise ModoboaException(
            "No source: give --source <database URL> or define a '%s' connection "
            "in DATABASES" % alias
        )
    return connections[alias]
