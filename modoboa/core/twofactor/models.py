"""TOTP devices and recovery codes.

One TOTP device per account. Recovery codes are stored as SHA-256 digests:
they are long random strings, so a digest is enough to make a copy of the
database useless to log in with them.
"""

from django.conf import settings
from django.db import models


class TOTPDevice(models.Model):
    """An authenticator application registered for an account.

    ``confirmed`` turns true once the user typed a first valid code;
    ``last_step`` is the time step of the last accepted code, so a code
    is never accepted twice.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    key = models.CharField(max_length=80)
    confirmed = models.BooleanField(default=False)
    last_step = models.BigIntegerField(default=-1)
    created = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "twofactor_totpdevice"

    def __str__(self):
        return "TOTP device of %s" % self.user


class RecoveryCode(models.Model):
    """A single-use code replacing the TOTP code when the phone is lost."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "twofactor_recoverycode"
        indexes = [models.Index(fields=["user", "code_hash"], name="twofactor_recovery_idx")]

    def __str__(self):
        return "Recovery code of %s" % self.user
