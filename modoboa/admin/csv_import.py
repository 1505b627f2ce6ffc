"""The CSV import engine behind ``modo import`` and the console's import
pages.

An import runs in two passes:

1. every line is read and checked for its shape (row type, number of
   fields, integers); a malformed line stops the import before anything is
   written, with a message naming the file, the line and the field;
2. every row is created through the service layer, each in its own
   savepoint, so a refused row (duplicate, unknown domain, limit, quota,
   permission) is reported with its line number and leaves nothing behind.
   Unless ``continue_if_exists`` is set, one refused row rolls back the
   whole import; with it, existing objects are skipped and refused rows
   are reported while the others are kept.

Simple-user account rows and alias rows, the bulk of real imports, go
through :mod:`modoboa.admin.services.bulk` and
:mod:`modoboa.admin.services.bulk_aliases`, which apply the same rules to a
batch of rows at once; passwords to crypt are hashed in parallel
beforehand.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from modoboa.core import constants as core_constants
from modoboa.core import signals as core_signals
from modoboa.lib.exceptions import (
    BadRequest,
    Conflict,
    LimitReached,
    ModoboaException,
    NotFound,
    PermDeniedException,
)

from . import signals
from .csv_cells import restore

TRUE_VALUES = ("true", "1", "yes", "y")
ROLE_NAMES = {role.lower(): role for role, _label in core_constants.ROLES}
#: Consecutive simple-user account rows created at once.
BATCH_SIZE = 500


def parse_boolean(value):
    """``true``, ``1``, ``yes`` and ``y`` (any case) are true, the rest false."""
    return (value or "").strip().lower() in TRUE_VALUES


@dataclass
class LineError:
    """A row that could not be imported."""

    line: int
    field: str
    message: str
    filename: str = ""

    def __str__(self):
        where = _("line %d") % self.line
        if self.filename:
            where = "%s, %s" % (self.filename, where)
        if self.field:
            return "%s, %s: %s" % (where, _("field %s") % self.field, self.message)
        return "%s: %s" % (where, self.message)


@dataclass
class ImportResult:
    """What an import did: counts and the errors, line by line."""

    filename: str = ""
    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    rolled_back: bool = False
    total: int = 0

    def summary(self):
        text = _("%(created)d created, %(skipped)d skipped, %(failed)d failed") % {
            "created": self.created,
            "skipped": self.skipped,
            "failed": self.failed,
        }
        if self.rolled_back:
            text += " " + _("(nothing was imported)")
        return text


class CSVFormatError(BadRequest):
    """A malformed line: the import stops before writing anything."""

    def __init__(self, message, *, filename="", line=None, field=None):
        self.filename = filename
        self.line = line
        parts = []
        if filename:
            parts.append(filename)
        if line is not None:
            parts.append(_("line %d") % line)
        if field:
            parts.append(_("field %s") % field)
        text = "%s: %s" % (", ".join(parts), message) if parts else str(message)
        super().__init__(text, field=field)
        self.detail = str(message)


@dataclass
class Row:
    """One parsed line: its number, type, cleaned values and raw cells."""

    line: int
    type: str
    values: dict
    cells: list


class _Rollback(Exception):
    """Raised inside the import transaction to undo it."""


# ---------------------------------------------------------------------------
# Reading


def decode(data):
    """Return ``data`` (bytes) as text: UTF-8 (with or without BOM), else
    the encoding chardet detects.
    """
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    import chardet

    guess = chardet.detect(data[:200000]) or {}
    encoding = guess.get("encoding")
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    raise CSVFormatError(_("The file is neither UTF-8 nor in an encoding that could be detected"))


def read_source(source):
    """Return ``(text, filename)`` from a path-less source: text, bytes, a
    file object (binary or text, Django uploads included) or lines.
    """
    filename = getattr(source, "name", "") or ""
    if isinstance(source, (str, bytes)):
        return decode(source), ""
    if hasattr(source, "chunks"):
        data = b"".join(source.chunks())
        return decode(data), filename
    if hasattr(source, "read"):
        return decode(source.read()), filename
    lines = list(source)
    if lines and isinstance(lines[0], bytes):
        return decode(
            b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
        ), ""
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines), ""


# ---------------------------------------------------------------------------
# First pass: the shape of each line


class _Cells:
    """Access to the cells of one line, with errors naming the field."""

    def __init__(self, cells, line, filename):
        self.cells = cells
        self.line = line
        self.filename = filename

    def error(self, message, field=None):
        return CSVFormatError(message, filename=self.filename, line=self.line, field=field)

    def require(self, names, exact=False):
        if exact and len(self.cells) != len(names):
            raise self.error(
                _("%(type)s lines have exactly %(count)d fields (found %(found)d)")
                % {"type": self.cells[0], "count": len(names), "found": len(self.cells)}
            )
        if len(self.cells) < len(names):
            missing = names[len(self.cells)]
            raise self.error(_("This field is missing"), field=missing)

    def text(self, index):
        return self.cells[index].strip() if index < len(self.cells) else ""

    def integer(self, index, name):
        value = self.text(index)
        if value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise self.error(_("Enter a whole number (got %r)") % value, field=name) from None

    def boolean(self, index):
        return parse_boolean(self.text(index))


def _parse_domain(c):
    c.require(["type", "name", "quota", "default_mailbox_quota", "enabled"])
    return {
        "name": c.text(1),
        "quota": c.integer(2, "quota"),
        "default_mailbox_quota": c.integer(3, "default_mailbox_quota"),
        "enabled": c.boolean(4),
    }


def _parse_domainalias(c):
    c.require(["type", "name", "target", "enabled"])
    return {"name": c.text(1), "target": c.text(2), "enabled": c.boolean(3)}


def _parse_relaydomain(c):
    c.require(
        [
            "type",
            "name",
            "target_host",
            "target_port",
            "service",
            "enabled",
            "verify_recipients",
        ],
        exact=True,
    )
    return {
        "name": c.text(1),
        "target_host": c.text(2),
        "target_port": c.integer(3, "target_port"),
        "enabled": c.boolean(5),
        "verify_recipients": c.boolean(6),
    }


def _parse_account(c):
    c.require(["type", "username", "password", "first_name", "last_name", "enabled", "role"])
    role = c.text(6)
    return {
        "username": c.text(1),
        "password": c.text(2),
        "first_name": c.text(3),
        "last_name": c.text(4),
        "is_active": c.boolean(5),
        "role": ROLE_NAMES.get(role.lower(), role),
        "email": c.text(7),
        "quota": c.integer(8, "quota"),
        "domains": [name.strip() for name in c.cells[9:] if name.strip()],
    }


def _parse_alias(c):
    names = ["type", "address", "enabled", "recipient"]
    if c.text(0).lower() == "dlist":
        names.append("recipient")
    c.require(names)
    recipients = [value.strip() for value in c.cells[3:] if value.strip()]
    if not recipients:
        raise c.error(_("At least one recipient is required"), field="recipient")
    return {"address": c.text(1), "enabled": c.boolean(2), "recipients": recipients}


def _parse_senderaddress(c):
    c.require(["type", "address", "mailbox"], exact=True)
    return {"address": c.text(1), "mailbox": c.text(2)}


PARSERS = {
    "domain": _parse_domain,
    "domainalias": _parse_domainalias,
    "relaydomain": _parse_relaydomain,
    "account": _parse_account,
    "alias": _parse_alias,
    "forward": _parse_alias,
    "dlist": _parse_alias,
    "senderaddress": _parse_senderaddress,
}


def parse(text, *, sepchar=";", filename=""):
    """Return the :class:`Row` list of ``text``, or raise CSVFormatError."""
    if not sepchar or len(sepchar) != 1 or sepchar in '\r\n"':
        raise CSVFormatError(_("Invalid separator"), field="sepchar")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sepchar, strict=True)
    rows = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CSVFormatError(str(exc), filename=filename, line=reader.line_num) from None
        start, line = line, reader.line_num + 1
        cells = [restore(cell) for cell in cells]
        if not any(cell.strip() for cell in cells):
            continue
        if "\x00" in "".join(cells):
            raise CSVFormatError(
                _("Null characters are not allowed"), filename=filename, line=start
            )
        row_type = cells[0].strip().lower()
        parser = PARSERS.get(row_type)
        values = parser(_Cells(cells, start, filename)) if parser else {}
        rows.append(Row(line=start, type=row_type, values=values, cells=cells))
    return rows


# ---------------------------------------------------------------------------
# Second pass: creation through the service layer


def _create_domain(row, context):
    from . import services

    values = row.values
    services.create_domain(
        acting_user=context.acting_user,
        name=values["name"],
        quota=values["quota"],
        default_mailbox_quota=values["default_mailbox_quota"],
        enabled=values["enabled"],
    )


def _create_domainalias(row, context):
    from . import services

    values = row.values
    if not values["target"]:
        raise BadRequest(_("This field is required."), field="target")
    services.create_domain_alias(
        acting_user=context.acting_user,
        name=values["name"],
        target=values["target"].lower(),
        enabled=values["enabled"],
    )


def _create_relaydomain(row, context):
    from . import services

    values = row.values
    services.create_domain(
        acting_user=context.acting_user,
        name=values["name"],
        quota=0,
        default_mailbox_quota=0,
        enabled=values["enabled"],
        type="relaydomain",
        transport={
            "service": "relay",
            "settings": {
                "relay_target_host": values["target_host"],
                "relay_target_port": values["target_port"],
                "relay_verify_recipients": values["verify_recipients"],
            },
        },
    )


def account_arguments(row, password_hash):
    """The ``create_account`` arguments of an account row."""
    values = row.values
    mailbox = None
    if values["email"]:
        mailbox = {"address": values["email"], "quota": values["quota"]}
    return {
        "username": values["username"],
        "password_hash": password_hash,
        "role": values["role"],
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "is_active": values["is_active"],
        "mailbox": mailbox,
        "domains": values["domains"],
    }


def _create_account(row, context):
    from . import services

    password_hash = context.password_hash(row)
    account = services.create_account(
        acting_user=context.acting_user, **account_arguments(row, password_hash)
    )
    context.account_created(row, account)


def _create_alias(row, context):
    from . import services

    values = row.values
    services.create_alias(
        acting_user=context.acting_user,
        address=values["address"],
        recipients=values["recipients"],
        enabled=values["enabled"],
    )


def _create_senderaddress(row, context):
    from . import services
    from .models import Mailbox

    values = row.values
    local, _sep, domain = values["mailbox"].lower().rpartition("@")
    mailbox = Mailbox.objects.filter(address=local, domain__name=domain).first() if local else None
    if mailbox is None:
        raise NotFound(_("Mailbox %s not found") % values["mailbox"], field="mailbox")
    services.create_sender_address(
        acting_user=context.acting_user, address=values["address"], mailbox=mailbox
    )


CREATORS = {
    "domain": _create_domain,
    "domainalias": _create_domainalias,
    "relaydomain": _create_relaydomain,
    "account": _create_account,
    "alias": _create_alias,
    "forward": _create_alias,
    "dlist": _create_alias,
    "senderaddress": _create_senderaddress,
}


class _Context:
    """State of one import: options, hashed passwords and the result."""

    def __init__(self, acting_user, result, continue_if_exists, crypt_passwords, progress):
        self.acting_user = acting_user
        self.result = result
        self.continue_if_exists = continue_if_exists
        self.crypt_passwords = crypt_passwords
        self.progress = progress
        self.hashes = {}
        self.refused = {}
        self.done = 0

    def password_hash(self, row):
        if row.line in self.refused:
            # Refused before any hashing (see _authorise_rows).
            raise self.refused[row.line]
        password = row.values["password"]
        if not password:
            raise BadRequest(_("This field is required."), field="password")
        if not self.crypt_passwords:
            if self.acting_user is not None and not self.acting_user.is_superuser:
                from modoboa.core.services import check_password_hash

                check_password_hash(password, field="password")
            return password
        # Clear passwords follow the password policy, as in the console.
        from modoboa.core.services import validate_password

        validate_password(password, field="password")
        if row.line not in self.hashes:
            from modoboa.core import password_hashers
            from modoboa.core.app_settings import password_settings

            scheme, rounds = password_settings()
            self.hashes[row.line] = password_hashers.make_password(password, scheme, rounds)
        return self.hashes[row.line]

    def clear_password(self, row):
        return row.values["password"] if self.crypt_passwords else None

    def account_created(self, row, account):
        """Let extensions read the extra columns, as upstream did."""
        clear = self.clear_password(row)
        if clear:
            from modoboa.core.models import User

            core_signals.account_password_updated.send(
                sender=User, account=account, password=clear, created=True
            )
        core_signals.account_imported.send(
            sender=self.__class__, user=self.acting_user, account=account, row=row.cells
        )

    def record(self, row, error):
        """Count one row: ``error`` None means created."""
        if error is None:
            self.result.created += 1
        elif isinstance(error, Conflict) and self.continue_if_exists:
            self.result.skipped += 1
        else:
            self.result.failed += 1
            self.result.errors.append(
                LineError(
                    line=row.line,
                    field=_error_field(error),
                    message=error.message,
                    filename=self.result.filename,
                )
            )
        self.tick()

    def tick(self, count=1):
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.result.total)


def _error_field(error):
    if error.field:
        return error.field
    keys = [key for key in (error._errors or {}) if key != "non_field_errors"]
    return keys[0] if keys else ""


def _extension_creator(row_type):
    """An extension may import row types of its own (``import_object``)."""
    for _receiver, creator in signals.import_object.send(sender=ImportResult, objtype=row_type):
        if creator:
            return creator
    return None


def _run_row(row, context):
    creator = CREATORS.get(row.type)
    if creator is None:
        extension = _extension_creator(row.type)
        if extension is None:
            context.result.skipped += 1
            context.result.warnings.append(
                LineError(
                    line=row.line,
                    field="type",
                    message=_("Unknown row type %s: line skipped") % row.cells[0],
                    filename=context.result.filename,
                )
            )
            context.tick()
            return

        def creator(row, context):
            extension(context.acting_user, row.cells, {"sepchar": None})

    try:
        with transaction.atomic():
            creator(row, context)
    except ModoboaException as exc:
        context.record(row, exc)
    else:
        context.record(row, None)


def _is_bulk_account(row):
    return row.type == "account" and row.values["role"] == core_constants.SIMPLEUSERS


def _run_batch(rows, context):
    from .services import bulk

    specs = []
    for row in rows:
        try:
            password_hash = context.password_hash(row)
        except ModoboaException:
            password_hash = None
        specs.append(
            bulk.AccountSpec(
                username=row.values["username"],
                password_hash=password_hash,
                first_name=row.values["first_name"],
                last_name=row.values["last_name"],
                is_active=row.values["is_active"],
                email=row.values["email"],
                quota=row.values["quota"],
            )
        )
    outcomes = bulk.create_simple_accounts(
        specs,
        acting_user=context.acting_user,
        fallback=lambda index: _create_account(rows[index], context),
        on_created=lambda index, account: context.account_created(rows[index], account),
    )
    for row, error in zip(rows, outcomes, strict=True):
        context.record(row, error)


def _is_bulk_alias(row):
    return row.type in ("alias", "forward", "dlist")


def _run_alias_batch(rows, context):
    from .services import bulk_aliases

    specs = [
        bulk_aliases.AliasSpec(
            address=row.values["address"],
            recipients=row.values["recipients"],
            enabled=row.values["enabled"],
        )
        for row in rows
    ]
    outcomes = bulk_aliases.create_aliases(
        specs,
        acting_user=context.acting_user,
        fallback=lambda index: _create_alias(rows[index], context),
    )
    for row, error in zip(rows, outcomes, strict=True):
        context.record(row, error)


#: Row kinds created by batches: (test, batch function).
BATCHES = ((_is_bulk_account, _run_batch), (_is_bulk_alias, _run_alias_batch))


def _authorise_rows(rows, context):
    """Refuse, before any costly work (hashing), the account rows the
    importing administrator may not create: a role it may not give, a domain
    out of its reach (neither reachable nor created by an earlier line), an
    address of an account it cannot administer, a password the policy
    refuses, or more mailboxes than its limit leaves. The refusal is
    raised when the row is processed, as its line's error.
    """
    from modoboa.core import services as core_services
    from modoboa.core.services import check_password_hash, validate_password
    from modoboa.limits import services as limits_services

    from . import access as admin_access
    from .models import Domain

    actor = context.acting_user
    accounts = [row for row in rows if row.type == "account"]
    if not accounts:
        return
    declared = set()
    reachable = set()
    if actor is not None and not actor.is_superuser:
        names = set()
        for row in accounts:
            names.add(_row_address(row).rpartition("@")[2])
            names.update(name.lower() for name in row.values["domains"])
        reachable = set(
            Domain.objects.get_for_admin(actor)
            .filter(name__in=names)
            .values_list("name", flat=True)
        )
    left, label = _mailboxes_left(actor, limits_services)
    for row in rows:
        if row.type in ("domain", "relaydomain"):
            declared.add(row.values["name"].lower())
        if row.type != "account":
            continue
        try:
            core_services.check_role_allowed(actor, row.values["role"])
            address = _row_address(row)
            if actor is not None and not actor.is_superuser:
                wanted = [(address.rpartition("@")[2], "email")]
                wanted += [(name, "domains") for name in row.values["domains"]]
                for name, field_name in wanted:
                    name = name.lower()
                    if name and name not in reachable and name not in declared:
                        raise PermDeniedException(
                            _("You don't have access to domain %s") % name, field=field_name
                        )
                if "@" in address:
                    admin_access.check_address(actor, address, field="username")
            password = row.values["password"]
            if password and context.crypt_passwords:
                validate_password(password, field="password")
            elif password and actor is not None and not actor.is_superuser:
                check_password_hash(password, field="password")
            if "@" in address and left is not None:
                if left <= 0:
                    raise LimitReached(_("%s: limit reached") % label)
                left -= 1
        except ModoboaException as exc:
            context.refused[row.line] = exc


def _row_address(row):
    values = row.values
    if values["email"]:
        return values["email"].strip().lower()
    if values["role"] == core_constants.SIMPLEUSERS:
        return values["username"].strip().lower()
    return ""


def _mailboxes_left(actor, limits_services):
    """How many more mailboxes ``actor`` may create (None: no limit), and
    the limit's label.
    """
    if actor is None or actor.is_superuser or not limits_services.admin_limits_enabled():
        return None, None
    if actor.role not in (core_constants.RESELLERS, core_constants.DOMAINADMINS):
        return None, None
    limit = limits_services.get_user_limit(actor, "mailboxes")
    if limit.max_value < 0:
        return None, None
    return limit.max_value - limits_services.user_limit_current(limit), limit.label


def _hash_passwords(rows, context):
    """Hash the clear passwords of the authorised account rows, in a
    bounded pool of processes.
    """
    from .services import bulk

    pending = [
        row
        for row in rows
        if row.type == "account" and row.values["password"] and row.line not in context.refused
    ]
    if not pending:
        return
    from modoboa.core.app_settings import password_settings

    scheme, rounds = password_settings()
    hashes = bulk.hash_passwords([row.values["password"] for row in pending], scheme, rounds)
    for row, value in zip(pending, hashes, strict=True):
        context.hashes[row.line] = value


def import_rows(
    rows, *, acting_user, result, continue_if_exists=False, crypt_passwords=False, progress=None
):
    """Create ``rows`` (from :func:`parse`) inside the current transaction;
    fill ``result``.
    """
    result.total = len(rows)
    context = _Context(acting_user, result, continue_if_exists, crypt_passwords, progress)
    _authorise_rows(rows, context)
    if crypt_passwords:
        _hash_passwords(rows, context)
    index = 0
    while index < len(rows):
        for in_batch, run in BATCHES:
            if in_batch(rows[index]):
                end = index
                while end < len(rows) and end - index < BATCH_SIZE and in_batch(rows[end]):
                    end += 1
                run(rows[index:end], context)
                index = end
                break
        else:
            _run_row(rows[index], context)
            index += 1
    return result


def import_csv(
    lines_or_file,
    *,
    acting_user,
    sepchar=";",
    continue_if_exists=False,
    crypt_passwords=False,
    progress=None,
    filename=None,
):
    """Import one CSV source as ``acting_user`` (None: a management command).

    ``progress(done, total)`` is called after each row. Return an
    :class:`ImportResult`; raise :class:`CSVFormatError` for a malformed
    file (nothing written). Without ``continue_if_exists``, any refused row
    rolls everything back (``result.rolled_back``).
    """
    text, source_name = read_source(lines_or_file)
    result = ImportResult(filename=filename if filename is not None else source_name)
    rows = parse(text, sepchar=sepchar, filename=result.filename)
    try:
        with transaction.atomic():
            import_rows(
                rows,
                acting_user=acting_user,
                result=result,
                continue_if_exists=continue_if_exists,
                crypt_passwords=crypt_passwords,
                progress=progress,
            )
            if result.failed and not continue_if_exists:
                raise _Rollback
    except _Rollback:
        result.rolled_back = True
        result.created = 0
    return result
