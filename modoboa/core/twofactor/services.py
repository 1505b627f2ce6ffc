"""Two-factor authentication: enrolment, verification, recovery codes and
reset. Views and the management command only call these functions.
"""

import base64
import binascii
import hashlib
import secrets
import time
from urllib.parse import quote, urlencode

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import hotp

from modoboa.core import audit, constants
from modoboa.lib.exceptions import BadRequest, PermDeniedException
from modoboa.parameters import tools as param_tools

from .models import RecoveryCode, TOTPDevice

ISSUER = "Modoboa"
DIGITS = 6
STEP = 30
# Codes from the step before and after are accepted (clock drift).
TOLERANCE = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# Policy


def is_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_required(user):
    """Tell whether ``user``'s role must use a second factor."""
    policy = param_tools.get_global_parameter("twofactor_required", app="core")
    if policy == "everyone":
        return True
    if policy == "admins":
        return user.role in constants.ADMIN_ROLES
    if policy == "superadmins":
        return user.is_superuser
    return False


# Enrolment


def current_code(key_hex, offset=0):
    """The code an authenticator application shows now (``offset`` steps
    later); the tests use it as a phone would.
    """
    step = int(time.time()) // STEP + offset
    return str(hotp(binascii.unhexlify(key_hex.encode()), step, digits=DIGITS)).zfill(DIGITS)


def _key_bytes(device):
    return binascii.unhexlify(device.key.encode())


def secret_base32(device):
    """The key as authenticator applications want it typed."""
    return base64.b32encode(_key_bytes(device)).decode().rstrip("=")


def provisioning_uri(device):
    """The ``otpauth://`` URI shown as a QR code."""
    label = quote("%s:%s" % (ISSUER, device.user.username))
    query = urlencode(
        {
            "secret": secret_base32(device),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP,
        }
    )
    return "otpauth://totp/%s?%s" % (label, query)


def qr_code_svg(device):
    """The provisioning URI as inline SVG markup."""
    import segno

    return segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, dark="#000", light="#fff", border=2
    )


@transaction.atomic
def start_enrolment(user):
    """Return a new, unconfirmed device for ``user`` (with a fresh key).

    An account already enrolled must disable its device first.
    """
    if is_enrolled(user):
        raise BadRequest(_("Two-factor authentication is already enabled"), field="code")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, key=secrets.token_hex(20))


def pending_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def confirm_enrolment(user, code):
    """Confirm the pending device with a first code; return the clear
    recovery codes (shown once, never stored in clear).
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise BadRequest(_("Start the set-up again"), field="code")
    if not _accept_totp(device, code):
        raise BadRequest(_("Invalid code"), field="code")
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True, confirmed_at=timezone.now())
    codes = _new_recovery_codes(user)
    audit.log_message("Two-factor authentication enabled for %s", user.username)
    return codes


# Verification


def _normalize(code):
    return "".join((code or "").split()).lower()


def _accept_totp(device, code):
    """Check a TOTP code, and make sure it can never be used again."""
    code = _normalize(code)
    if len(code) != DIGITS or not code.isdigit():
        return False
    key = _key_bytes(device)
    current = int(time.time()) // STEP
    for step in range(current - TOLERANCE, current + TOLERANCE + 1):
        if step <= device.last_step:
            continue
        if secrets.compare_digest(str(hotp(key, step, digits=DIGITS)).zfill(DIGITS), code):
            # Conditional update: two requests racing with one code, one wins.
            won = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step
            )
            if won:
                device.last_step = step
            return bool(won)
    return False


def _hash(code):
    return hashlib.sha256(_normalize(code).replace("-", "").encode()).hexdigest()


def _use_recovery_code(user, code):
    normalized = _normalize(code).replace("-", "")
    if len(normalized) < 10:
        return False
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=_hash(normalized), used_at=None).update(
            used_at=timezone.now()
        )
    )


def verify(user, code):
    """Return ``"totp"`` or ``"recovery"`` when ``code`` is a valid second
    factor of ``user`` (a recovery code is used up), else None.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    if _accept_totp(device, code):
        return "totp"
    if _use_recovery_code(user, code):
        audit.log_message("Recovery code used by %s", user.username)
        return "recovery"
    return None


# Recovery codes


def _format(raw):
    return "%s-%s" % (raw[:5], raw[5:])


def _new_recovery_codes(user):
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        _format("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    return codes


def remaining_recovery_codes(user):
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


@transaction.atomic
def regenerate_recovery_codes(user, code):
    """Replace the recovery codes, after checking a current code."""
    if verify(user, code) is None:
        raise BadRequest(_("Invalid code"), field="code")
    codes = _new_recovery_codes(user)
    audit.log_message("Recovery codes regenerated by %s", user.username)
    return codes


# Removal


@transaction.atomic
def disable(user, code):
    """The user turning its second factor off (a current code is needed)."""
    if is_required(user):
        raise PermDeniedException(
            _("Two-factor authentication is mandatory for your account"), field="code"
        )
    if verify(user, code) is None:
        raise BadRequest(_("Invalid code"), field="code")
    _remove(user)
    audit.log_message("Two-factor authentication disabled by %s", user.username)


@transaction.atomic
def reset(user, *, acting_user=None):
    """Remove ``user``'s device and recovery codes (lost phone).

    Return True when there was something to remove.
    """
    if acting_user is not None and not acting_user.is_superuser:
        raise PermDeniedException(_("Only super administrators may do this"))
    removed = _remove(user)
    if removed:
        audit.log_message(
            "Two-factor authentication of %s reset by %s",
            user.username,
            audit.actor_label(acting_user),
        )
    return removed


def _remove(user):
    devices, _detail = TOTPDevice.objects.filter(user=user).delete()
    codes, _detail = RecoveryCode.objects.filter(user=user).delete()
    return bool(devices or codes)
