"""Login throttling: repeated failures slow down, then lock out, an account
name and a client address.

Each failure is one ``core_loginfailure`` row, so every process (and every
server sharing the database) sees the same counts. For a key (an account
name or an address) with ``n`` failures within the lock duration:

- below the "delay" threshold, attempts go through;
- from it, an attempt must come at least 1 s after the last failure, then
  2 s, 4 s... (doubling with each further failure);
- from the "lock" threshold, attempts are refused until the lock duration
  has passed since the last failure.

A refused attempt is not checked at all (so guessing cannot go on) and not
counted (so the refusal cannot be prolonged forever by the attacker). A
successful login forgets the failures of that account, which also takes
them out of the address's count: a user who mistyped its password does
not penalise its colleagues behind the same NAT, while failures against
other accounts from that address still count.

Password reset requests use the same rules with their own counters (every
request counts, since there is no "success" to reset them).
"""

import logging
import math
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import ngettext

from modoboa.parameters import tools as param_tools

from .models import LoginFailure

auth_logger = logging.getLogger("modoboa.auth")

LOGIN = "login"
PASSWORD_RESET = "reset"

_ADDRESS_LENGTH = LoginFailure._meta.get_field("address").max_length
_USERNAME_LENGTH = LoginFailure._meta.get_field("username").max_length


@dataclass(frozen=True)
class Rules:
    enabled: bool
    account_delay_after: int
    account_lock_after: int
    address_delay_after: int
    address_lock_after: int
    lock_duration: int  # seconds

    @classmethod
    def current(cls):
        values = param_tools.get_global_parameters("core")
        return cls(
            enabled=bool(values["login_throttling"]),
            account_delay_after=int(values["login_delay_after"]),
            account_lock_after=int(values["login_lock_after"]),
            address_delay_after=int(values["address_delay_after"]),
            address_lock_after=int(values["address_lock_after"]),
            lock_duration=int(values["login_lock_duration"]) * 60,
        )


@dataclass(frozen=True)
class Verdict:
    """The answer for one attempt: ``wait`` seconds before trying again
    (0 when the attempt may go on), and which key was throttled.
    """

    wait: int = 0
    scope: str = ""
    locked: bool = False

    @property
    def allowed(self):
        return self.wait <= 0

    @property
    def message(self):
        if self.locked:
            minutes = max(1, math.ceil(self.wait / 60))
            return ngettext(
                "Too many failed attempts. Try again in %(n)d minute.",
                "Too many failed attempts. Try again in %(n)d minutes.",
                minutes,
            ) % {"n": minutes}
        return ngettext(
            "Too many failed attempts. Wait %(n)d second before trying again.",
            "Too many failed attempts. Wait %(n)d seconds before trying again.",
            self.wait,
        ) % {"n": self.wait}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def for_log(value, length=100):
    """``value`` cut and with control characters escaped, so that a typed
    user name cannot forge lines in syslog.
    """
    return _CONTROL.sub(lambda match: "\\x%02x" % ord(match.group()), (value or "")[:length])


def normalize_username(username):
    return (username or "").strip().lower()[:_USERNAME_LENGTH]


def normalize_address(address):
    return (address or "unknown")[:_ADDRESS_LENGTH]


def _wait_for(times, delay_after, lock_after, lock_duration, now):
    """Seconds to wait for a key whose latest failures are ``times`` (most
    recent first), and whether the key is locked.

    The failures that count are those of the lock duration before the last
    one, so a lock lasts the whole duration after the failure that set it.
    """
    if not times:
        return 0, False
    last = times[0]
    window = timezone.timedelta(seconds=lock_duration)
    count = sum(1 for moment in times if moment >= last - window)
    if count < delay_after:
        return 0, False
    if count >= lock_after:
        until = last + window
        return max(0, math.ceil((until - now).total_seconds())), True
    delay = min(2 ** (count - delay_after), lock_duration)
    until = last + timezone.timedelta(seconds=delay)
    return max(0, math.ceil((until - now).total_seconds())), False


def check(kind, username, address, rules=None):
    """Tell whether an attempt for ``username`` from ``address`` may go on
    (one bounded query per key).
    """
    rules = rules or Rules.current()
    if not rules.enabled:
        return Verdict()
    now = timezone.now()
    recent = LoginFailure.objects.filter(
        kind=kind, created__gte=now - timezone.timedelta(seconds=2 * rules.lock_duration)
    )
    checks = (
        (
            "account",
            recent.filter(username=normalize_username(username)),
            rules.account_delay_after,
            rules.account_lock_after,
        ),
        (
            "address",
            recent.filter(address=normalize_address(address)),
            rules.address_delay_after,
            rules.address_lock_after,
        ),
    )
    worst = Verdict()
    for scope, queryset, delay_after, lock_after in checks:
        times = list(queryset.order_by("-created").values_list("created", flat=True)[:lock_after])
        wait, locked = _wait_for(times, delay_after, lock_after, rules.lock_duration, now)
        if wait > worst.wait:
            worst = Verdict(wait=wait, scope=scope, locked=locked)
    return worst


def record_failure(kind, username, address, rules=None):
    """Count one failure, and forget the ones too old to matter."""
    rules = rules or Rules.current()
    if not rules.enabled:
        return
    now = timezone.now()
    # Older rows can no longer count (see _wait_for).
    LoginFailure.objects.filter(
        created__lt=now - timezone.timedelta(seconds=2 * rules.lock_duration)
    ).delete()
    LoginFailure.objects.create(
        kind=kind,
        username=normalize_username(username),
        address=normalize_address(address),
        created=now,
    )


def reset(kind, username):
    """Forget the failures of ``username`` (after a successful login)."""
    LoginFailure.objects.filter(kind=kind, username=normalize_username(username)).delete()


def log_refusal(kind, username, address, verdict):
    what = "login" if kind == LOGIN else "password reset"
    auth_logger.warning(
        "Throttled %s attempt from '%s' as user '%s' (%s %s, retry in %d s)",
        what,
        for_log(normalize_address(address)),
        for_log(normalize_username(username)),
        verdict.scope,
        "locked" if verdict.locked else "slowed down",
        verdict.wait,
    )
