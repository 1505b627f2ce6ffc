"""Creating many simple-user accounts at once (``modo import``).

``create_account`` costs a few dozen queries per account; an import of ten
thousand mailboxes needs a constant number per batch instead. The rules
stay those of the service layer: each row is first checked with the same
cleaning functions and the same quota and limit rules, computed for the
whole batch in a few queries. A row that fails any check, or that is
unusual (an existing alias at its address, a domain whose quota or limits
the batch would exceed...), is handed to ``fallback``, which creates it
through :func:`create_account` one by one, so its error is exactly the one
the console would show. Rows are processed in file order as far as rules
interact: once a domain's quota or limit sends a row to the slow path,
every later row of that domain follows it.
"""

import json
import logging
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import reversion
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from reversion.models import Revision, Version
from reversion.revisions import _get_options as reversion_options

from modoboa.core import audit
from modoboa.core import constants as core_constants
from modoboa.core.models import Log, ObjectAccess, User
from modoboa.lib.bulk_sql import insert_rows, new_instance
from modoboa.lib.exceptions import ModoboaException
from modoboa.limits import services as limits_services

from .. import signals
from ..models import Alias, AliasRecipient, Domain, Mailbox, Quota
from .accounts import _clean_profile, _default_language, clean_username
from .common import clean_email, clean_quota, require_perm, split_address
from .mailboxes import can_override_quota_rules

#: Below this many passwords, hashing in the calling process is faster
#: than starting workers.
PARALLEL_HASH_THRESHOLD = 32


@dataclass
class AccountSpec:
    """One simple user to create (the fields of an ``account`` CSV row)."""

    username: str
    password_hash: str | None
    first_name: str = ""
    last_name: str = ""
    is_active: bool = True
    email: str = ""
    quota: int | None = None


def _hash_one(args):
    from modoboa.core import password_hashers

    raw, scheme, rounds = args
    return password_hashers.make_password(raw, scheme, rounds)


def hash_workers():
    """How many processes hash passwords: ``MODOBOA_HASH_WORKERS`` (default:
    half the cores, at most 4), so that one import never takes every core
    of a server that also answers other requests.
    """
    from django.conf import settings

    default = max(1, min(4, (os.cpu_count() or 1) // 2))
    return max(1, int(getattr(settings, "MODOBOA_HASH_WORKERS", default) or default))


def _worker_start():
    """Make a hashing process die with the one that started it.

    A gunicorn worker killed for its timeout (SIGKILL) leaves its children
    behind; those forked from it also inherit its SIGTERM handler, which
    does not exit. The kernel kills this process when its parent dies
    (Linux ``PR_SET_PDEATHSIG``), and SIGTERM/SIGINT get their default
    action back.
    """
    import ctypes
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:
        # The parent died before the call above.
        os._exit(1)


def hash_passwords(passwords, scheme, rounds, workers=None):
    """Return the ``{SCHEME}hash`` of each password, hashed in a bounded
    pool of processes that dies with the caller (see :func:`_worker_start`)
    and is torn down, pending work cancelled, if the caller fails.
    """
    jobs = [(raw, scheme, rounds) for raw in passwords]
    workers = workers or hash_workers()
    if len(jobs) < PARALLEL_HASH_THRESHOLD or workers < 2:
        return [_hash_one(job) for job in jobs]
    chunksize = max(1, min(64, len(jobs) // (workers * 4)))
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start)
    try:
        results = list(pool.map(_hash_one, jobs, chunksize=chunksize))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        raise
    pool.shutdown(wait=True)
    return results


@dataclass
class _Candidate:
    index: int
    spec: AccountSpec
    username: str = ""
    address: str = ""
    local_part: str = ""
    domain: Domain = None
    profile: dict = None
    quota: int = 0
    use_domain_quota: bool = False


def _prepare(index, spec, language):
    """Clean one spec with the service layer's rules, or return None."""
    try:
        username = clean_username(spec.username, core_constants.SIMPLEUSERS)
        address = clean_email(spec.email or username, field="email")
        quota = clean_quota(spec.quota)
        profile = _clean_profile(
            {"first_name": spec.first_name, "last_name": spec.last_name, "language": language}
        )
    except ModoboaException:
        return None
    if address != username or not spec.password_hash:
        return None
    if len(spec.password_hash) > User._meta.get_field("password").max_length:
        return None
    local_part, _domain_name = split_address(address)
    return _Candidate(
        index=index,
        spec=spec,
        username=username,
        address=address,
        local_part=local_part,
        profile=profile,
        quota=quota or 0,
        use_domain_quota=quota is None,
    )


def _select_fast(candidates, acting_user):
    """Keep the candidates that pass every rule checked in bulk."""
    domain_names = {split_address(c.address)[1] for c in candidates}
    domains = {d.name: d for d in Domain.objects.filter(name__in=domain_names)}
    if acting_user is not None and not acting_user.is_superuser:
        reachable = set(
            Domain.objects.get_for_admin(acting_user)
            .filter(name__in=domain_names)
            .values_list("name", flat=True)
        )
        domains = {name: d for name, d in domains.items() if name in reachable}
    usernames = [c.username for c in candidates]
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    addresses = [c.address for c in candidates]
    # A forward already at the address makes create_mailbox refuse the row.
    taken_aliases = set(
        Alias.objects.filter(address__in=addresses, internal=False).values_list(
            "address", flat=True
        )
    )
    taken_mailboxes = set(
        Mailbox.objects.filter(
            domain__in=list(domains.values()),
            address__in=[c.local_part for c in candidates],
        ).values_list("address", "domain__name")
    )
    # What an extension refuses (see check_new_mailbox_address) goes the
    # row-by-row way, which names the field.
    refused = set()
    for _receiver, answer in signals.refused_mailbox_addresses.send(
        sender=Mailbox, addresses=addresses
    ):
        refused.update(answer or ())
    selected = []
    seen = set()
    for candidate in candidates:
        domain = domains.get(split_address(candidate.address)[1])
        key = (candidate.local_part, domain.name if domain else None)
        if (
            domain is None
            or candidate.username in taken
            or candidate.username in seen
            or candidate.address in taken_aliases
            or key in taken_mailboxes
            or candidate.address in refused
        ):
            continue
        seen.add(candidate.username)
        candidate.domain = domain
        selected.append(candidate)
    return _apply_domain_rules(selected, acting_user)


def _apply_domain_rules(candidates, acting_user):
    """Quota and limit rules, per domain, in file order."""
    by_domain = defaultdict(list)
    for candidate in candidates:
        by_domain[candidate.domain.pk].append(candidate)
    # Only a domain with a quota needs what its mailboxes already have.
    allocated = dict(
        Mailbox.objects.filter(
            domain_id__in=[pk for pk, group in by_domain.items() if group[0].domain.quota]
        )
        .values_list("domain_id")
        .annotate(total=Sum("quota"))
        .values_list("domain_id", "total")
    )
    override = can_override_quota_rules(acting_user)
    kept = []
    for domain_id, group in by_domain.items():
        domain = group[0].domain
        total = allocated.get(domain_id) or 0
        accepted = []
        for candidate in group:
            value = domain.default_mailbox_quota if candidate.use_domain_quota else candidate.quota
            if (not value and domain.quota and not override) or (
                domain.quota and total + value > domain.quota
            ):
                # The slow path reports it, and the rows after it follow.
                break
            candidate.quota = value
            total += value
            accepted.append(candidate)
        try:
            limits_services.check_can_create(
                None, Mailbox, "mailboxes", domain=domain, count=len(accepted)
            )
        except ModoboaException:
            continue
        kept.extend(accepted)
    if acting_user is not None and kept:
        try:
            limits_services.check_can_create(acting_user, Mailbox, "mailboxes", count=len(kept))
        except ModoboaException:
            return []
    kept.sort(key=lambda c: c.index)
    return kept


#: The profile fields a batch row gives (see ``_prepare``).
_PROFILE_COLUMNS = ("first_name", "last_name", "language")


def _insert(candidates, acting_user, with_accounts=False):
    """Write the accounts, mailboxes, quota rows, self-aliases, access rows,
    reversion versions and log lines of ``candidates``, a few statements
    each (``bulk_sql.insert_rows``: no model instance per row); return the
    accounts in order when ``with_accounts``, else None.
    """
    now = timezone.now()
    user_template = new_instance(User, date_joined=now)
    insert_rows(
        User,
        ("username", "email", "password", "is_active", *_PROFILE_COLUMNS),
        [
            (
                c.username,
                c.address,
                c.spec.password_hash,
                bool(c.spec.is_active),
                *[c.profile.get(name, getattr(user_template, name)) for name in _PROFILE_COLUMNS],
            )
            for c in candidates
        ],
        template=user_template,
    )
    user_ids = dict(
        User.objects.filter(username__in=[c.username for c in candidates]).values_list(
            "username", "pk"
        )
    )
    user_pks = [user_ids[c.username] for c in candidates]
    group = Group.objects.get_or_create(name=core_constants.SIMPLEUSERS)[0]
    insert_rows(User.groups.through, ("user_id", "group_id"), [(pk, group.pk) for pk in user_pks])
    mailbox_template = new_instance(Mailbox, creation=now)
    insert_rows(
        Mailbox,
        ("address", "domain_id", "user_id", "quota", "use_domain_quota"),
        [
            (c.local_part, c.domain.pk, pk, c.quota, c.use_domain_quota)
            for c, pk in zip(candidates, user_pks, strict=True)
        ],
        template=mailbox_template,
    )
    mailbox_ids = dict(Mailbox.objects.filter(user_id__in=user_pks).values_list("user_id", "pk"))
    mailbox_pks = [mailbox_ids[pk] for pk in user_pks]
    # A row left by Dovecot for the address keeps its usage.
    insert_rows(Quota, ("username",), [(c.address,) for c in candidates], ignore_conflicts=True)
    _create_self_aliases(candidates, mailbox_pks, now)
    if acting_user is not None:
        _own_new_rows(acting_user, User, user_pks)
        _own_new_rows(acting_user, Mailbox, mailbox_pks)
    created = [
        (
            User,
            user_template,
            [
                (pk, _user_values(c), c.username)
                for c, pk in zip(candidates, user_pks, strict=True)
            ],
            {"groups": [group.pk]},
        ),
        (
            Mailbox,
            mailbox_template,
            [
                (
                    pk,
                    {
                        "address": c.local_part,
                        "domain": c.domain.pk,
                        "user": user_pk,
                        "quota": c.quota,
                        "use_domain_quota": c.use_domain_quota,
                    },
                    c.address,
                )
                for c, pk, user_pk in zip(candidates, mailbox_pks, user_pks, strict=True)
            ],
            {},
        ),
    ]
    _record_revision(created, acting_user, now)
    _log_created(created, acting_user)
    if not with_accounts:
        return None
    accounts = User.objects.in_bulk(user_pks)
    return [accounts[pk] for pk in user_pks]


def _user_values(candidate):
    """The serialized fields of a batch row's account that are its own."""
    values = {
        "username": candidate.username,
        "email": candidate.address,
        "is_active": bool(candidate.spec.is_active),
    }
    values.update(candidate.profile)
    return values


def _fall_back(outcomes, fast, fallback):
    """Create each row the batch did not (those not in ``fast``) with
    ``fallback(index)``, in a transaction of its own; the
    ModoboaException refusing a row is its outcome. Return ``outcomes``.
    """
    done = {c.index for c in fast}
    for index in range(len(outcomes)):
        if index in done:
            continue
        try:
            with transaction.atomic():
                fallback(index)
        except ModoboaException as exc:
            outcomes[index] = exc
    return outcomes


def _own_new_rows(acting_user, model, pks):
    """Make ``acting_user`` the owner of the new ``model`` rows ``pks``."""
    insert_rows(
        ObjectAccess,
        ("object_id",),
        [(pk,) for pk in pks],
        template=new_instance(
            ObjectAccess,
            user=acting_user,
            content_type=ContentType.objects.get_for_model(model),
            is_owner=True,
        ),
    )


def _create_self_aliases(candidates, mailbox_pks, now):
    """The internal self-alias of each mailbox, with the mailbox as its
    only recipient (an orphan internal alias at the address is reused).
    """
    addresses = [c.address for c in candidates]
    existing = dict(
        Alias.objects.filter(address__in=addresses, internal=True).values_list("address", "pk")
    )
    insert_rows(
        Alias,
        ("address", "domain_id"),
        [(c.address, c.domain.pk) for c in candidates if c.address not in existing],
        template=new_instance(Alias, internal=True, creation=now),
    )
    AliasRecipient.objects.filter(alias_id__in=list(existing.values())).delete()
    alias_ids = dict(
        Alias.objects.filter(address__in=addresses, internal=True).values_list("address", "pk")
    )
    insert_rows(
        AliasRecipient,
        ("alias_id", "r_mailbox_id", "address"),
        [
            (alias_ids[c.address], pk, c.address)
            for c, pk in zip(candidates, mailbox_pks, strict=True)
        ],
    )


class _KnownM2MSerializer(PythonSerializer):
    """Django's serializer, with the many-to-many values of freshly created
    objects given instead of queried one object at a time.
    """

    def __init__(self, m2m):
        super().__init__()
        self.m2m = m2m

    def handle_m2m_field(self, obj, field):
        if field.remote_field.through._meta.auto_created:
            self._current[field.name] = list(self.m2m.get(field.name, []))


def _record_revision(created, acting_user, now):
    """One reversion revision holding a version of each object, as
    ``audit.revision`` would record it, written with a few INSERTs.

    ``created``: ``(model, template, objects, m2m)`` where the template is
    the instance the rows were inserted from, ``objects`` are ``(pk,
    {field name: value}, repr)`` with the values a row has of its own,
    and ``m2m`` the many-to-many values they all have. The template is
    serialized once by Django's serializer; each object's version is that,
    with its own values put in.
    """
    created = [item for item in created if reversion.is_registered(item[0]) and item[2]]
    if not created:
        return
    revision = Revision.objects.create(
        date_created=now,
        user=acting_user if acting_user is not None and acting_user.pk else None,
        comment="import",
    )
    for model, template, objects, m2m in created:
        options = reversion_options(model)
        base = _KnownM2MSerializer(m2m).serialize([template], fields=options.fields)[0]
        # Dates and the like as the encoder writes them, once: the objects'
        # own values are plain, so each version is a plain json.dumps.
        shared = json.loads(json.dumps(base["fields"], cls=DjangoJSONEncoder))
        rows = []
        for pk, values, label in objects:
            fields = dict(shared)
            fields.update((name, value) for name, value in values.items() if name in fields)
            item = {"model": base["model"], "pk": pk, "fields": fields}
            rows.append((str(pk), json.dumps([item]), label))
        insert_rows(
            Version,
            ("object_id", "serialized_data", "object_repr"),
            rows,
            template=new_instance(
                Version,
                revision=revision,
                content_type=ContentType.objects.get_for_model(model),
                db="default",
                format=options.format,
            ),
        )


def _log_created(created, acting_user):
    """The ``core_log`` lines ``audit.log_created`` writes, in one INSERT."""
    logger = audit.admin_logger
    if not logger.isEnabledFor(logging.INFO):
        return
    actor = audit.actor_label(acting_user)
    rows = []
    for model, _template, objects, _m2m in created:
        label = audit.object_label(model)
        rows.extend(
            (("%s '%s' added by %s" % (label, name, actor))[:255],)
            for _pk, _values, name in objects
        )
    insert_rows(
        Log, ("message",), rows, template=new_instance(Log, level="INFO", logger=logger.name[:30])
    )


def create_simple_accounts(specs, *, acting_user, fallback, on_created=None):
    """Create the simple users ``specs`` (with their mailboxes).

    ``fallback(index)`` creates the row ``index`` through the regular
    service function; it is called for every row the batch checks do not
    accept. ``on_created(index, account)`` is called for each account made
    here. Return one outcome per spec: None when created, else the
    ModoboaException that refused it.
    """
    outcomes = [None] * len(specs)
    try:
        require_perm(acting_user, "core.add_user")
        require_perm(acting_user, "admin.add_mailbox")
    except ModoboaException:
        fast = []
    else:
        language = _default_language()
        prepared = [_prepare(i, spec, language) for i, spec in enumerate(specs)]
        fast = _select_fast([c for c in prepared if c is not None], acting_user)
    if fast:
        try:
            with transaction.atomic():
                accounts = _insert(fast, acting_user, with_accounts=on_created is not None)
        except IntegrityError:
            # Someone else wrote the same rows meanwhile: go row by row.
            fast = []
        else:
            if on_created is not None:
                for candidate, account in zip(fast, accounts, strict=True):
                    on_created(candidate.index, account)
    return _fall_back(outcomes, fast, fallback)
