"""Known problems that ``modo repair`` finds and fixes.

Each problem is a :class:`KnownProblem` registered with :func:`register`.
Extensions add theirs in a ``known_problems`` module of their package,
imported by :func:`load_known_problems`. Every fix is idempotent: a second
run finds nothing left to do.
"""

import importlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from modoboa.core import access
from modoboa.core import constants as core_constants
from modoboa.core.models import ObjectAccess, User

from .models import Alias, AliasRecipient, Domain, DomainAlias, Mailbox, Quota

_REGISTRY = {}


class KnownProblem:
    """A problem: how to find its occurrences and how to fix them."""

    #: Short identifier.
    name = ""
    #: What is wrong, for a human.
    description = ""

    def find(self):
        """Return the list of occurrences."""
        raise NotImplementedError

    def fix(self, occurrences):
        """Fix ``occurrences`` (inside a transaction)."""
        raise NotImplementedError

    def describe(self, occurrence):
        return str(occurrence)


def register(problem_class):
    """Register a problem (usable as a class decorator)."""
    _REGISTRY[problem_class.name] = problem_class
    return problem_class


def load_known_problems():
    """Import the ``known_problems`` module of every application."""
    apps = list(getattr(settings, "MODOBOA_APPS", ())) + list(settings.INSTALLED_APPS)
    for app in dict.fromkeys(apps):
        module = "%s.known_problems" % app
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return [cls() for cls in _REGISTRY.values()]


def _no_owner(model):
    rows = ObjectAccess.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=OuterRef("pk"),
        is_owner=True,
    )
    return ~Q(Exists(rows))


def _first_superuser():
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _domain_admins_by_domain(domain_ids):
    """``{domain id: first administrator}`` (non-superuser access rows)."""
    rows = (
        ObjectAccess.objects.filter(
            content_type=ContentType.objects.get_for_model(Domain),
            object_id__in=list(domain_ids),
            user__is_superuser=False,
            user__groups__name__in=[core_constants.DOMAINADMINS, core_constants.RESELLERS],
        )
        .select_related("user")
        .order_by("object_id", "pk")
    )
    result = {}
    for row in rows:
        result.setdefault(row.object_id, row.user)
    return result


def _mailboxes(pks, *related):
    """The mailboxes ``pks`` in order, with ``related`` selected."""
    result = []
    for start in range(0, len(pks), 1000):
        result += Mailbox.objects.filter(pk__in=pks[start : start + 1000]).select_related(*related)
    return sorted(result, key=lambda mailbox: mailbox.pk)


@register
class ObjectsWithoutOwner(KnownProblem):
    """Accounts go to the first superuser; domains to their first
    administrator; domain aliases, aliases and mailboxes to their domain's
    first administrator; a superuser when there is none.
    """

    name = "objects_without_owner"
    description = "Objects without owner"

    def find(self):
        result = [("account", u) for u in User.objects.filter(_no_owner(User)).order_by("pk")]
        result += [("domain", d) for d in Domain.objects.filter(_no_owner(Domain))]
        result += [
            ("domain alias", a)
            for a in DomainAlias.objects.filter(_no_owner(DomainAlias)).select_related("target")
        ]
        result += [
            ("mailbox", m)
            for m in Mailbox.objects.filter(_no_owner(Mailbox)).select_related("domain")
        ]
        result += [
            ("alias", a)
            for a in Alias.objects.filter(_no_owner(Alias), internal=False, domain__isnull=False)
        ]
        return result

    def describe(self, occurrence):
        kind, obj = occurrence
        return "%s %s has no owner" % (kind, obj)

    def fix(self, occurrences):
        superuser = _first_superuser()
        domain_ids = set()
        for kind, obj in occurrences:
            if kind == "domain":
                domain_ids.add(obj.pk)
            elif kind == "domain alias":
                domain_ids.add(obj.target_id)
            elif kind in ("mailbox", "alias"):
                domain_ids.add(obj.domain_id)
        admins = _domain_admins_by_domain(domain_ids)
        pairs = []
        for kind, obj in occurrences:
            if kind == "account":
                owner = superuser
            elif kind == "domain":
                owner = admins.get(obj.pk, superuser)
            elif kind == "domain alias":
                owner = admins.get(obj.target_id, superuser)
            else:
                owner = admins.get(obj.domain_id, superuser)
            if owner is not None:
                pairs.append((obj, owner))
        access.grant_ownerships(pairs)


@register
class MailboxesWithoutSelfAlias(KnownProblem):
    """Every mailbox needs its internal alias (its own address) pointing to
    it: Postfix's alias map delivers through it.
    """

    name = "mailboxes_without_self_alias"
    description = "Mailboxes without their internal alias"

    def find(self):
        recipients = AliasRecipient.objects.filter(r_mailbox=OuterRef("pk"), alias__internal=True)
        return list(
            Mailbox.objects.filter(~Q(Exists(recipients))).select_related("domain").order_by("pk")
        )

    def describe(self, mailbox):
        return "mailbox %s has no internal alias" % mailbox.full_address

    def fix(self, mailboxes):
        from .services.aliases import sync_self_alias
        from .services.mailboxes import _ensure_self_alias

        for mailbox in mailboxes:
            _ensure_self_alias(mailbox)
            sync_self_alias(mailbox.full_address)


@register
class MailboxesWithoutQuotaRow(KnownProblem):
    """Dovecot's quota dict updates the ``admin_quota`` row of a mailbox."""

    name = "mailboxes_without_quota_row"
    description = "Mailboxes without their quota usage row"

    def find(self):
        # Addresses compared here (not in SQL: MySQL's collations ignore
        # case); only the mailboxes found are loaded as objects.
        existing = set(Quota.objects.values_list("username", flat=True))
        missing = [
            pk
            for pk, local_part, domain in Mailbox.objects.values_list(
                "pk", "address", "domain__name"
            )
            if "%s@%s" % (local_part, domain) not in existing
        ]
        return _mailboxes(missing, "domain")

    def describe(self, mailbox):
        return "mailbox %s has no quota row" % mailbox.full_address

    def fix(self, mailboxes):
        Quota.objects.bulk_create(
            [Quota(username=m.full_address) for m in mailboxes], ignore_conflicts=True
        )


@register
class AccountEmailMismatch(KnownProblem):
    """Dovecot authenticates on ``core_user.email``: it must be the
    mailbox's address.
    """

    name = "account_email_mismatch"
    description = "Accounts whose email is not their mailbox address"

    def find(self):
        wrong = [
            pk
            for pk, local_part, domain, email in Mailbox.objects.values_list(
                "pk", "address", "domain__name", "user__email"
            )
            if email != "%s@%s" % (local_part, domain)
        ]
        return _mailboxes(wrong, "domain", "user")

    def describe(self, mailbox):
        return "account %s has email %r instead of %s" % (
            mailbox.user.username,
            mailbox.user.email,
            mailbox.full_address,
        )

    def fix(self, mailboxes):
        for mailbox in mailboxes:
            User.objects.filter(pk=mailbox.user_id).update(email=mailbox.full_address)


@register
class DomainAliasesWithoutInternalAlias(KnownProblem):
    """A domain alias works through its internal alias ``@alias`` whose
    recipient is ``@target``.
    """

    name = "domain_aliases_without_internal_alias"
    description = "Domain aliases without their internal alias"

    def find(self):
        result = []
        aliases = DomainAlias.objects.select_related("target").order_by("pk")
        internal = {
            a.address: {r.address for r in a.aliasrecipient_set.all()}
            for a in Alias.objects.filter(internal=True, domain__isnull=True).prefetch_related(
                "aliasrecipient_set"
            )
        }
        for domain_alias in aliases:
            recipients = internal.get("@%s" % domain_alias.name)
            if recipients != {"@%s" % domain_alias.target.name}:
                result.append(domain_alias)
        return result

    def describe(self, domain_alias):
        return "domain alias %s has no valid internal alias" % domain_alias.name

    def fix(self, domain_aliases):
        from .services.domain_aliases import _set_internal_alias

        for domain_alias in domain_aliases:
            _set_internal_alias(domain_alias)


@register
class OrphanAccessRows(KnownProblem):
    """Access rows on objects that no longer exist."""

    name = "orphan_access_rows"
    description = "Access rows on deleted objects"

    models = (User, Domain, DomainAlias, Mailbox, Alias)

    def find(self):
        result = []
        for model in self.models:
            ct = ContentType.objects.get_for_model(model)
            existing = model._default_manager.filter(pk=OuterRef("object_id"))
            result += list(
                ObjectAccess.objects.filter(content_type=ct).filter(~Q(Exists(existing)))
            )
        return result

    def describe(self, row):
        return "access row of %s on deleted %s #%d" % (
            row.user,
            row.content_type.model,
            row.object_id,
        )

    def fix(self, rows):
        ObjectAccess.objects.filter(pk__in=[row.pk for row in rows]).delete()


@register
class EmptyInternalAliases(KnownProblem):
    """Internal aliases left without any recipient (their mailbox or domain
    alias is gone).
    """

    name = "empty_internal_aliases"
    description = "Internal aliases without recipients"

    def find(self):
        return list(Alias.objects.filter(internal=True, aliasrecipient__isnull=True))

    def describe(self, alias):
        return "internal alias %s has no recipient" % alias.address

    def fix(self, aliases):
        Alias.objects.filter(pk__in=[a.pk for a in aliases], aliasrecipient__isnull=True).delete()


@dataclass
class Outcome:
    problem: KnownProblem
    occurrences: list
    fixed: bool


def run(dry_run=False, problems=None):
    """Find (and unless ``dry_run``, fix) every known problem, in order.

    Each problem is fixed in its own transaction, after the previous ones:
    a mailbox given back its self-alias is no longer an "empty alias".
    """
    outcomes = []
    for problem in problems or load_known_problems():
        with transaction.atomic():
            occurrences = problem.find()
            if occurrences and not dry_run:
                problem.fix(occurrences)
        outcomes.append(Outcome(problem, occurrences, bool(occurrences) and not dry_run))
    return outcomes
