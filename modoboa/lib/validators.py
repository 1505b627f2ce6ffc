"""Validators for names an administrator types.

Values checked here end up in Postfix maps, Dovecot home paths, shell
scripts (the documented post-login script), file names (DKIM keys) and DNS
records, so they are held to a deliberately narrow grammar (see
``docs/decisions.rst``):

- domain names are ASCII only (IDNs in their ``xn--`` form), at least two
  labels, no trailing dot, at most 100 characters (the column size);
- local parts are dot-separated atoms of letters, digits and ``_ - + =``
  (no quotes, slashes, ``%``, ``$`` or anything else a shell, a path or a
  ``%``-expanding daemon would interpret), at most 64 characters;
- DKIM selectors are one DNS label.

Every pattern is matched against the whole value (``fullmatch``), so a
trailing newline never slips through.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DOMAIN_NAME_MAX_LENGTH = 100
LOCAL_PART_MAX_LENGTH = 64
ADDRESS_MAX_LENGTH = 254

_label_re = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)
# The last label of a domain name is never all digits (it would be an IP).
_tld_re = re.compile(r"(?!-)(?=[a-z0-9-]*[a-z])[a-z0-9-]{2,63}(?<!-)", re.IGNORECASE)
_selector_re = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
_atom = r"[a-z0-9_+=-]+"
_local_part_re = re.compile(r"%s(?:\.%s)*" % (_atom, _atom), re.IGNORECASE)


def _is_ascii_printable(value):
    """Only characters 0x21 to 0x7E (no space, no control character)."""
    return value.isascii() and value.isprintable() and " " not in value


def _invalid_domain_name():
    # Translated when raised only: imports validate thousands of names.
    return ValidationError(_("Enter a valid domain name."), code="invalid")


def validate_domain_name(value):
    """An ASCII DNS domain name: two labels or more, no trailing dot."""
    if not isinstance(value, str) or not value:
        raise _invalid_domain_name()
    if len(value) > DOMAIN_NAME_MAX_LENGTH:
        raise ValidationError(
            _("Ensure this value has at most %d characters.") % DOMAIN_NAME_MAX_LENGTH,
            code="max_length",
        )
    if not _is_ascii_printable(value):
        raise ValidationError(
            _("Enter a valid domain name (use the xn-- form for internationalized names)."),
            code="invalid",
        )
    labels = value.split(".")
    if len(labels) < 2:
        raise _invalid_domain_name()
    if not all(_label_re.fullmatch(label) for label in labels[:-1]):
        raise _invalid_domain_name()
    if not _tld_re.fullmatch(labels[-1]):
        raise _invalid_domain_name()


def validate_hostname(value):
    """A host name made of ASCII labels (one label is enough)."""
    message = _("Enter a valid host name.")
    if not isinstance(value, str) or not value or len(value) > 253:
        raise ValidationError(message, code="invalid")
    if not _is_ascii_printable(value):
        raise ValidationError(message, code="invalid")
    if not all(_label_re.fullmatch(label) for label in value.split(".")):
        raise ValidationError(message, code="invalid")


def validate_dkim_selector(value):
    """A DKIM selector: one DNS label, nothing else."""
    if not isinstance(value, str) or not _selector_re.fullmatch(value) or len(value) > 30:
        raise ValidationError(
            _("A selector contains only letters, digits and inner hyphens (30 at most)."),
            code="invalid",
        )


def validate_local_part(value):
    """The part of an address before the ``@``."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > LOCAL_PART_MAX_LENGTH
        or not _local_part_re.fullmatch(value)
    ):
        raise ValidationError(
            _(
                "Enter a valid local part: letters, digits and the characters . _ - + = "
                "(64 at most)."
            ),
            code="invalid",
        )


def validate_email_address(value):
    """A full mail address whose domain is a valid domain name."""
    if not isinstance(value, str) or value.count("@") != 1:
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    if len(value) > ADDRESS_MAX_LENGTH:
        raise ValidationError(
            _("Ensure this value has at most %d characters.") % ADDRESS_MAX_LENGTH,
            code="max_length",
        )
    local, domain = value.split("@")
    try:
        validate_local_part(local)
        validate_domain_name(domain)
    except ValidationError as exc:
        raise ValidationError(
            "%s %s" % (_("Enter a valid email address."), " ".join(exc.messages)), code="invalid"
        ) from None


def validate_alias_address(value):
    """An alias address: a full address, or ``@domain`` for a catch-all."""
    if isinstance(value, str) and value.startswith("@"):
        validate_domain_name(value[1:])
        return
    validate_email_address(value)


def validate_sender_address(value):
    """An extra sender address: a full address, or ``@domain`` to send as
    any address of that domain (the sender-login map is looked up with the
    full address, then with ``@domain``).
    """
    validate_alias_address(value)


def validate_recipient_address(value):
    """An alias recipient: a full address, or ``@domain`` (domain alias)."""
    validate_alias_address(value)


_username_re = re.compile(r"[a-z0-9](?:[a-z0-9._+-]{0,252}[a-z0-9_])?", re.IGNORECASE)


def validate_username(value):
    """An account name: an email address, or (for administrators without
    a mailbox) letters, digits and ``. _ - +``.
    """
    if isinstance(value, str) and "@" in value:
        validate_email_address(value)
        return
    if not isinstance(value, str) or not _username_re.fullmatch(value):
        raise ValidationError(
            _("Enter a valid username: an email address, or letters, digits and . _ - +"),
            code="invalid",
        )


def parse_integer(value):
    """Return ``value`` (an int or a string of digits, maybe signed) as an
    int; raise ValueError for anything else (floats, booleans, "1e3"...).
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,12}", value.strip()):
        return int(value.strip())
    raise ValueError(value)
