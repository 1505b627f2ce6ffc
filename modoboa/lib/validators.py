"""Validators for names an administrator types.

Values checked here end up in Postfix maps, file names (DKIM keys) and
Dovecot paths, so they are held to the strict DNS and mail grammars.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.utils.translation import gettext as _

_domain_validator = DomainNameValidator(accept_idna=True)
_hostname_label = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_selector_re = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$", re.IGNORECASE)
# Local parts: the dot-atom of RFC 5322 (no quoted strings, no spaces,
# nothing a shell, a map file or a path would interpret).
_local_part_re = re.compile(
    r"^[a-z0-9!#$%&*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&*+/=?^_`{|}~-]+)*$", re.IGNORECASE
)


def validate_domain_name(value):
    """A DNS domain name (IDN allowed), at least two labels."""
    if not value or len(value) > 100:
        raise ValidationError(_("Enter a valid domain name."), code="invalid")
    if value != value.strip() or any(c.isspace() for c in value):
        raise ValidationError(_("Enter a valid domain name."), code="invalid")
    if "." not in value.strip("."):
        raise ValidationError(_("Enter a valid domain name."), code="invalid")
    _domain_validator(value)


def validate_hostname(value):
    """A host name made of ASCII labels."""
    if not value or len(value) > 253:
        raise ValidationError(_("Enter a valid host name."), code="invalid")
    for label in value.rstrip(".").split("."):
        if not _hostname_label.match(label):
            raise ValidationError(_("Enter a valid host name."), code="invalid")


def validate_dkim_selector(value):
    """A DKIM selector: one DNS label, nothing else."""
    if not value or not _selector_re.match(value):
        raise ValidationError(
            _("A selector contains only letters, digits and inner hyphens."), code="invalid"
        )


def validate_local_part(value):
    if not value or len(value) > 64 or not _local_part_re.match(value):
        raise ValidationError(_("Enter a valid local part."), code="invalid")


def validate_email_address(value):
    """A full mail address whose domain is a valid domain name."""
    if not value or value.count("@") != 1:
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    local, domain = value.split("@")
    validate_local_part(local)
    validate_domain_name(domain)


def validate_alias_address(value):
    """An alias address: a full address, or ``@domain`` for a catch-all."""
    if value.startswith("@"):
        validate_domain_name(value[1:])
        return
    validate_email_address(value)


def validate_recipient_address(value):
    """An alias recipient: a full address, or ``@domain`` (domain alias)."""
    validate_alias_address(value)
