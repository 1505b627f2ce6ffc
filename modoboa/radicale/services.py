"""Calendars: who may create, share and remove them, in one place.

The console, the API and the commands call these functions only. A
calendar's collection is created on the Radicale server inside the same
transaction (a server that refuses it leaves no row behind); the rights
file is written again once the change is committed.
"""

import hmac
import logging
import re
import threading
import time
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from modoboa.admin.models import Domain, Mailbox
from modoboa.lib.exceptions import BadRequest, Conflict, ModoboaException, PermDeniedException

from . import client, rights, signals
from .models import AccessRule, PendingOperation, SharedCalendar, UserCalendar

logger = logging.getLogger("modoboa.admin")

# Letters (any script), digits, spaces, dots, dashes and underscores: a
# name is part of the calendar's URL, so no slash and no leading dot.
NAME_RE = re.compile(r"^[^\W_][\w .-]{0,199}$")


def clean_name(value):
    name = (value or "").strip() if isinstance(value, str) else ""
    if not NAME_RE.match(name) or name.endswith("."):
        raise BadRequest(
            _(
                "Use letters, digits, spaces, dots, dashes and underscores, starting with a "
                "letter or a digit (200 characters at most)."
            ),
            field="name",
        )
    return name


def administration_allowed(user):
    """Whether ``user`` manages calendars beyond its own: super
    administrators always, other administrators when the
    ``allow_calendars_administration`` parameter says so (1.10's rule), for
    every page, API call and command alike.
    """
    from modoboa.parameters import tools as param_tools

    return user.is_superuser or (
        user.is_admin
        and param_tools.get_global_parameter(
            "allow_calendars_administration", app="modoboa_radicale"
        )
    )


def _may_manage_mailbox(user, mailbox):
    if user.is_superuser:
        return True
    if user.pk == mailbox.user_id:
        return True
    return administration_allowed(user) and user.can_access(mailbox.user)


def require_mailbox(user, mailbox):
    if not _may_manage_mailbox(user, mailbox):
        raise PermDeniedException(_("You are not allowed to manage this calendar"))


def require_domain(user, domain):
    if not administration_allowed(user) or not (user.is_superuser or user.can_access(domain)):
        raise PermDeniedException(_("You are not allowed to manage this calendar"))


def user_calendars_for(user):
    """The user calendars ``user`` manages: its own, and for administrators
    those of the mailboxes they reach.
    """
    queryset = UserCalendar.objects.select_related("mailbox__domain", "mailbox__user")
    if user.is_superuser:
        return queryset
    own = queryset.filter(mailbox__user=user)
    if administration_allowed(user):
        reachable = Mailbox.objects.get_for_admin(user)
        return (own | queryset.filter(mailbox__in=reachable)).distinct()
    return own


def shared_calendars_for(user):
    """The shared calendars ``user`` sees: those of its mailbox's domain,
    and for administrators those of the domains they reach.
    """
    queryset = SharedCalendar.objects.select_related("domain")
    if user.is_superuser:
        return queryset
    domains = (
        Domain.objects.get_for_admin(user)
        if administration_allowed(user)
        else Domain.objects.none()
    )
    mailbox = user.mailbox_or_none
    condition = queryset.filter(domain__in=domains)
    if mailbox is not None:
        condition = condition | queryset.filter(domain=mailbox.domain_id)
    return condition.distinct()


def calendars_shared_with(user):
    mailbox = user.mailbox_or_none
    if mailbox is None:
        return AccessRule.objects.none()
    return AccessRule.objects.filter(mailbox=mailbox, read=True).select_related(
        "calendar__mailbox__domain"
    )


def _regenerate_rights():
    def write():
        try:
            rights.write_rights_file()
        except ModoboaException as exc:
            # The previous file stays in force; generate_rights retries.
            logger.error("%s", exc)

    transaction.on_commit(write)


def rights_changed(sender, **kwargs):
    """Receiver of post_delete: the rights file follows cascades."""
    _regenerate_rights()


def _run(operation):
    """Move or remove the collections of ``operation``; raise
    ModoboaException when the server fails (nothing removed before every
    copy is complete).
    """
    if operation.action == PendingOperation.REMOVE:
        for path, _new in operation.paths:
            client.delete_calendar(path)
        return
    copied = client.copy_collections([tuple(pair) for pair in operation.paths])
    if copied:
        # The contacts' books point at the copies before the old ones go.
        signals.collections_moved.send(sender=client.APP, moves=copied)
    for source, _target in copied:
        client.delete_calendar(source)


#: Seconds a web request spends, once its change is committed, on the
#: operations it recorded (and those before them): the rest is the cron
#: job's. Setting: MODOBOA_RADICALE_REQUEST_BUDGET.
REQUEST_BUDGET = 2.0
#: Seconds one ``generate_rights`` run (or ``modo repair``) spends on
#: them. Setting: MODOBOA_RADICALE_RETRY_BUDGET.
RETRY_BUDGET = 600.0
#: How long a claim outlives its run's budget: a run never works past its
#: budget, so a claim still held after that is a dead run's.
CLAIM_MARGIN = 60


def request_budget():
    from django.conf import settings

    return float(getattr(settings, "MODOBOA_RADICALE_REQUEST_BUDGET", REQUEST_BUDGET))


def retry_budget():
    from django.conf import settings

    return float(getattr(settings, "MODOBOA_RADICALE_RETRY_BUDGET", RETRY_BUDGET))


def _claim(pk, token, budget):
    """Take the operation ``pk`` for the run ``token``, unless another run
    holds it: one conditional UPDATE, atomic on every engine (SQLite
    included, where select_for_update does nothing). Return whether taken.
    """
    now = timezone.now()
    return bool(
        PendingOperation.objects.filter(pk=pk)
        .filter(Q(claimed_by="") | Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claimed_by=token,
            claimed_until=now + timedelta(seconds=budget + CLAIM_MARGIN),
        )
    )


def run_pending(budget):
    """Run the recorded operations in their order for at most ``budget``
    seconds, stopping at the first that fails (a later one may depend on
    it: a mailbox renamed twice). Only the first operation of the queue is
    ever taken, and only by claiming it (:func:`_claim`): two runs (the
    cron job and a request) never run the same one twice, nor one before
    those ahead of it; a run finding the first one claimed leaves the queue
    to the run holding it. Return ``(done, left)``.
    """
    token = uuid.uuid4().hex
    done = 0
    started = time.monotonic()
    with client.time_budget(budget):
        while time.monotonic() - started < budget:
            head = PendingOperation.objects.order_by("pk").values_list("pk", flat=True).first()
            if head is None:
                break
            if not _claim(head, token, budget):
                if PendingOperation.objects.filter(pk=head).exists():
                    break  # Another run works on it.
                continue  # Done meanwhile by another run: look again.
            operation = PendingOperation.objects.filter(pk=head, claimed_by=token).first()
            if operation is None:
                break
            try:
                _run(operation)
            except ModoboaException as exc:
                attempts = operation.attempts + 1
                PendingOperation.objects.filter(pk=head, claimed_by=token).update(
                    attempts=attempts,
                    last_attempt=timezone.now(),
                    last_error=str(exc),
                    claimed_by="",
                    claimed_until=None,
                )
                logger.error(
                    "Radicale: %s failed (attempt %d), retried by generate_rights (until "
                    "then, %s is given to no one): %s",
                    operation,
                    attempts,
                    operation.old_name,
                    exc,
                )
                break
            PendingOperation.objects.filter(pk=head, claimed_by=token).delete()
            logger.info("Radicale: %s done (attempt %d)", operation, operation.attempts + 1)
            done += 1
    return done, PendingOperation.objects.count()


def retry_pending(budget=None):
    """What ``generate_rights`` and ``modo repair`` run: the recorded
    operations, within the retry budget. Return ``(done, left)``.
    """
    return run_pending(retry_budget() if budget is None else budget)


#: The time the current web request has spent running operations (absent
#: outside a request: each transaction then gets a budget of its own).
_request_state = threading.local()


def request_started(sender, **kwargs):
    """Receiver of Django's request_started: a new request's budget."""
    _request_state.spent = 0.0


def request_finished(sender, **kwargs):
    _request_state.__dict__.pop("spent", None)


def _run_after_commit():
    """Run the pending operations within what is left of the request's
    budget (a request committing several changes shares one budget).
    """
    spent = getattr(_request_state, "spent", None)
    budget = request_budget() - (spent or 0.0)
    if budget <= 0:
        return
    started = time.monotonic()
    try:
        run_pending(budget)
    finally:
        if spent is not None:
            _request_state.spent = spent + time.monotonic() - started


def _attempt(action, old_name, new_name, paths):
    """Record an operation with the change that causes it (in the same
    transaction: a change rolled back records nothing), and have the
    pending operations run once the change is committed, for a short time
    only (one run per transaction): what is left waits for
    ``generate_rights``.
    """
    from modoboa.parameters import tools as param_tools

    if not param_tools.get_global_parameter("server_location", app=client.APP):
        return
    PendingOperation.objects.create(
        action=action,
        old_name=old_name.lower(),
        new_name=new_name.lower(),
        paths=[list(pair) for pair in paths],
    )
    if any(entry[1] is _run_after_commit for entry in connection.run_on_commit):
        # A domain's deletion records one per mailbox: one run for them all.
        return
    # Robust: the change is committed whatever happens there.
    transaction.on_commit(_run_after_commit, robust=True)


def _forget_collections(name, paths):
    """Remove ``paths`` (the collections kept under the address or domain
    ``name``) from the Radicale server once the deletion is committed.
    """
    _attempt(PendingOperation.REMOVE, name, "", [(path, "") for path in paths])


def _pending_message():
    return _(
        "The calendars of the former holder of this address are still being removed; "
        "try again in a few minutes."
    )


def refuse_pending_address(sender, address, field, **kwargs):
    """Receiver of admin's check_new_mailbox_address: an address whose
    former collections (or whose domain's) are not moved or removed yet is
    given to no one (Radicale's rights follow the login name).
    """
    address = address.lower()
    domain = address.rpartition("@")[2]
    if PendingOperation.objects.filter(old_name__in=[address, domain]).exists():
        raise Conflict(_pending_message(), field=field)


def pending_addresses(sender, addresses, **kwargs):
    """Receiver of admin's refused_mailbox_addresses: those of
    ``addresses`` :func:`refuse_pending_address` would refuse, in one query.
    """
    lowered = {address: address.lower() for address in addresses}
    names = set(lowered.values()) | {value.rpartition("@")[2] for value in lowered.values()}
    pending = set(
        PendingOperation.objects.filter(old_name__in=names).values_list("old_name", flat=True)
    )
    return {
        address
        for address, value in lowered.items()
        if value in pending or value.rpartition("@")[2] in pending
    }


def refuse_pending_domain(sender, name, field, **kwargs):
    """Receiver of admin's check_new_domain_name: likewise for a domain
    name, or one of whose former addresses is pending.
    """
    name = name.lower()
    if PendingOperation.objects.filter(
        Q(old_name=name) | Q(old_name__endswith="@" + name)
    ).exists():
        raise Conflict(_pending_message(), field=field)


def mailbox_deleted(sender, instance, **kwargs):
    """Receiver of post_delete (Mailbox): the address's principal collection
    (its address books) and its calendars go too. Radicale's rights follow
    the login name: a next account given this address (of this tenant or,
    once the domain is gone, of another) would read them.
    """
    domain = getattr(instance, "domain", None)
    if domain is None:
        return
    address = "%s@%s" % (instance.address, domain.name)
    _forget_collections(address, [address.lower(), "%s/user/%s" % (domain.name, instance.address)])


def domain_deleted(sender, instance, **kwargs):
    """Receiver of post_delete (Domain): its calendars' tree goes too."""
    _forget_collections(instance.name, [instance.name])


def _move_collections(moves, old_name, new_name, rules):
    """Copy the collections of ``moves`` (``(old path, new path)`` pairs) to
    their new paths once the rename is committed, then remove the old ones.
    A failure removes nothing and is recorded for a retry (the rename
    itself stands).
    """
    if rules.exists():
        # The rules name the address and the calendars' paths.
        _regenerate_rights()
    _attempt(PendingOperation.MOVE, old_name, new_name, moves)


def mailbox_renamed(sender, mailbox, old_address, **kwargs):
    """Receiver of admin's mailbox_renamed: the principal collection (the
    address books) and the calendars follow the new address; left there,
    they would be the next holder's of the old one.
    """
    old_local, _sep, old_domain = old_address.rpartition("@")
    new_address = mailbox.full_address
    _move_collections(
        [
            (old_address.lower(), new_address.lower()),
            (
                "%s/user/%s" % (old_domain, old_local),
                "%s/user/%s" % (mailbox.domain.name, mailbox.address),
            ),
        ],
        old_address,
        new_address,
        AccessRule.objects.filter(Q(mailbox=mailbox) | Q(calendar__mailbox=mailbox)),
    )


def domain_renamed(sender, domain, old_name, **kwargs):
    """Receiver of admin's domain_renamed: every mailbox's principal
    collection and the domain's tree (its mailboxes' and shared calendars)
    follow the new name.
    """
    local_parts = Mailbox.objects.filter(domain=domain).values_list("address", flat=True)
    moves = [
        (("%s@%s" % (local, old_name)).lower(), ("%s@%s" % (local, domain.name)).lower())
        for local in local_parts.order_by("pk")
    ]
    moves.append((old_name, domain.name))
    rules = AccessRule.objects.filter(
        Q(mailbox__domain=domain) | Q(calendar__mailbox__domain=domain)
    )
    _move_collections(moves, old_name, domain.name, rules)


def calendar_owner(acting_user, address=""):
    """The mailbox a new calendar of ``acting_user`` belongs to: its own
    when ``address`` is blank or its own address; another one only for an
    administrator allowed to manage calendars and reaching it. An unknown
    and an unreachable mailbox get the same answer (no enumeration).
    """
    own = acting_user.mailbox_or_none
    address = (address or "").strip().lower()
    if not address or (own is not None and address == own.full_address):
        if own is None:
            raise BadRequest(_("Name the mailbox the calendar belongs to."), field="mailbox")
        return own
    if not administration_allowed(acting_user):
        raise PermDeniedException(_("You are not allowed to manage this calendar"))
    local, _sep, domain = address.partition("@")
    mailbox = (
        Mailbox.objects.select_related("user", "domain")
        .filter(address=local, domain__name=domain)
        .first()
    )
    if mailbox is None or not _may_manage_mailbox(acting_user, mailbox):
        raise BadRequest(_("No mailbox %s") % address, field="mailbox")
    return mailbox


@transaction.atomic
def create_user_calendar(*, acting_user, mailbox, name):
    require_mailbox(acting_user, mailbox)
    name = clean_name(name)
    if UserCalendar.objects.filter(mailbox=mailbox, name=name).exists():
        raise Conflict(_("A calendar with this name already exists"), field="name")
    calendar = UserCalendar.objects.create(mailbox=mailbox, name=name)
    client.create_calendar(calendar.path, name)
    _regenerate_rights()
    return calendar


@transaction.atomic
def create_shared_calendar(*, acting_user, domain, name):
    require_domain(acting_user, domain)
    name = clean_name(name)
    if SharedCalendar.objects.filter(domain=domain, name=name).exists():
        raise Conflict(_("A calendar with this name already exists"), field="name")
    calendar = SharedCalendar.objects.create(domain=domain, name=name)
    client.create_calendar(calendar.path, name)
    _regenerate_rights()
    return calendar


@transaction.atomic
def delete_calendar(calendar, *, acting_user):
    if isinstance(calendar, UserCalendar):
        require_mailbox(acting_user, calendar.mailbox)
    else:
        require_domain(acting_user, calendar.domain)
    path = calendar.path
    calendar.delete()
    client.delete_calendar(path)
    _regenerate_rights()


@transaction.atomic
def set_access_rule(calendar, *, acting_user, address, read, write):
    """Let the mailbox ``address`` read (and write) ``calendar``; with
    neither, the rule goes. A simple user shares within its domain; an
    administrator with the mailboxes it reaches.
    """
    require_mailbox(acting_user, calendar.mailbox)
    address = (address or "").strip().lower() if isinstance(address, str) else ""
    local, sep, domain_name = address.partition("@")
    mailbox = None
    if sep:
        mailbox = (
            Mailbox.objects.select_related("user", "domain")
            .filter(address=local, domain__name=domain_name)
            .first()
        )
    allowed = mailbox is not None and (
        mailbox.domain_id == calendar.mailbox.domain_id
        or (acting_user.is_admin and _may_manage_mailbox(acting_user, mailbox))
    )
    if not allowed:
        raise BadRequest(_("No mailbox %s to share with") % address, field="mailbox")
    if mailbox.pk == calendar.mailbox_id:
        raise BadRequest(_("A calendar is not shared with its owner"), field="mailbox")
    write = bool(write)
    read = bool(read) or write
    if not read:
        AccessRule.objects.filter(calendar=calendar, mailbox=mailbox).delete()
        _regenerate_rights()
        return None
    rule, _created = AccessRule.objects.update_or_create(
        calendar=calendar,
        mailbox=mailbox,
        defaults={"read": read, "write": write, "last_update": timezone.now()},
    )
    _regenerate_rights()
    return rule


def check_login(request, username, password):
    """What the Radicale plugin asks: the login Radicale should use, or
    None. Modoboa's service login is checked against its derived secret;
    anyone else must be an active mailbox owner of an enabled domain with
    the right password (throttled like the console's logins), or the panel
    itself with the secret derived for that mailbox (``client.user_credentials``).
    """
    from modoboa.core import auth

    service, secret = client.service_credentials()
    if username == service:
        return service if hmac.compare_digest(password.encode(), secret.encode()) else None
    _login, derived = client.user_credentials(username)
    if hmac.compare_digest(password.encode(), derived.encode()):
        # The panel itself, reaching the user's address book as the user.
        local, _sep, domain = username.partition("@")
        mailbox = (
            Mailbox.objects.select_related("user", "domain")
            .filter(address=local, domain__name=domain)
            .first()
        )
        if mailbox is None or not mailbox.user.is_active:
            return None
    else:
        user = auth.check_credentials(request, username, password)
        if user is None:
            return None
        mailbox = user.mailbox_or_none
    if mailbox is None or not mailbox.domain.enabled:
        return None
    return mailbox.full_address
