"""Helpers of the admin application that talk to the outside world
(Dovecot for mail homes, DNS for MX records).
"""

import ipaddress
import logging
import os
import shutil
import subprocess

from django.conf import settings

from modoboa.parameters import tools as param_tools

logger = logging.getLogger("modoboa.admin")


def doveadm_path():
    """Return the path of ``doveadm`` next to the Dovecot binary found."""
    from .app_settings import find_dovecot

    dovecot = find_dovecot()
    if dovecot is None:
        return None
    candidate = os.path.join(os.path.dirname(dovecot), "doveadm")
    if os.path.exists(candidate):
        return candidate
    # Debian ships dovecot in /usr/sbin but doveadm in /usr/bin.
    return shutil.which("doveadm")


def mail_home(mailbox, address=None):
    """Return the mail home of ``mailbox`` as Dovecot computes it, or None.

    ``doveadm user -f home <address>`` is asked (run as the mailboxes owner
    through sudo when this process runs as someone else). The address is
    passed as one argument and never through a shell.
    """
    address = address or mailbox.full_address
    doveadm = doveadm_path()
    if doveadm is None:
        return None
    command = [doveadm]
    config = getattr(settings, "DOVECOT_CONFIG", None)
    if config:
        command += ["-c", config]
    command += ["user", "-f", "home", "--", address]
    owner = param_tools.get_global_parameter("mailboxes_owner", app="admin")
    if _needs_sudo(owner):
        command = ["sudo", "-n", "-u", owner] + command
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            command, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("Failed to find the mail home of %s: %s", address, exc)
        return None
    if result.returncode != 0:
        return None
    home = result.stdout.strip()
    return home or None


def _needs_sudo(owner):
    import pwd

    try:
        return pwd.getpwnam(owner).pw_uid != os.getuid() and os.getuid() != 0
    except KeyError:
        return False


def get_valid_mx_networks():
    from .app_settings import parse_networks

    value = param_tools.get_global_parameter("valid_mxs", app="admin")
    try:
        return parse_networks(value)
    except ValueError:
        return []


def resolve_mx_addresses(name, timeout=3.0):
    """Return ``[(mx host, ip address)]`` for domain ``name`` ([] when the
    look-up fails).
    """
    from .dns_checks import DNSCheckError, get_resolver, resolve_mx

    try:
        return resolve_mx(name, get_resolver(timeout))
    except DNSCheckError as exc:
        logger.warning("MX look-up of %s failed: %s", name, exc.reason)
        return []


def domain_has_authorized_mx(name):
    """Tell whether one of ``name``'s MX addresses is in ``valid_mxs``."""
    networks = get_valid_mx_networks()
    if not networks:
        return False
    for _host, address in resolve_mx_addresses(name):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if any(ip in network for network in networks):
            return True
    return False
