"""A password validator counting character classes."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SPECIAL_CHARACTERS = string.punctuation


class ComplexityValidator:
    """Require a minimum number of upper, lower, digit and special chars."""

    def __init__(self, upper=1, lower=1, digits=1, specials=0):
        self.upper = upper
        self.lower = lower
        self.digits = digits
        self.specials = specials

    def _counts(self, password):
        return {
            "upper": sum(1 for c in password if c.isupper()),
            "lower": sum(1 for c in password if c.islower()),
            "digits": sum(1 for c in password if c.isdigit()),
            "specials": sum(1 for c in password if c in SPECIAL_CHARACTERS),
        }

    def validate(self, password, user=None):
        counts = self._counts(password)
        errors = []
        if counts["upper"] < self.upper:
            errors.append(
                ngettext(
                    "Password must contain at least %(n)d uppercase letter.",
                    "Password must contain at least %(n)d uppercase letters.",
                    self.upper,
                )
                % {"n": self.upper}
            )
        if counts["lower"] < self.lower:
            errors.append(
                ngettext(
                    "Password must contain at least %(n)d lowercase letter.",
                    "Password must contain at least %(n)d lowercase letters.",
                    self.lower,
                )
                % {"n": self.lower}
            )
        if counts["digits"] < self.digits:
            errors.append(
                ngettext(
                    "Password must contain at least %(n)d digit.",
                    "Password must contain at least %(n)d digits.",
                    self.digits,
                )
                % {"n": self.digits}
            )
        if counts["specials"] < self.specials:
            errors.append(
                ngettext(
                    "Password must contain at least %(n)d special character.",
                    "Password must contain at least %(n)d special characters.",
                    self.specials,
                )
                % {"n": self.specials}
            )
        if errors:
            raise ValidationError(errors, code="password_too_simple")

    def get_help_text(self):
        parts = []
        if self.upper:
            parts.append(
                ngettext("%(n)d uppercase letter", "%(n)d uppercase letters", self.upper)
                % {"n": self.upper}
            )
        if self.lower:
            parts.append(
                ngettext("%(n)d lowercase letter", "%(n)d lowercase letters", self.lower)
                % {"n": self.lower}
            )
        if self.digits:
            parts.append(ngettext("%(n)d digit", "%(n)d digits", self.digits) % {"n": self.digits})
        if self.specials:
            parts.append(
                ngettext("%(n)d special character", "%(n)d special characters", self.specials)
                % {"n": self.specials}
            )
        if not parts:
            return ""
        return _("Your password must contain at least %(requirements)s.") % {
            "requirements": ", ".join(parts)
        }
