"""What users do with their filters, shared by the pages, the API and the
away messages: each function opens one ManageSieve session for the mailbox
and leaves the server's scripts valid (the server checks every script
before it replaces the stored one).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from modoboa.parameters import tools as param_tools

from . import imap, senders
from .app_settings import APP
from .client import ManageSieve, ScriptNotFound, SieveError
from .rules import RuleError
from .script import Script

EMPTY_SCRIPT = "# Empty script\n"
MAX_SET_NAME_LENGTH = 100


class FilterError(ValueError):
    """Bad input (a name, a rule): nothing was changed. ``field`` names
    the culprit when known (``name``, ``actions[0].argument``...).
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class RuleNotFound(FilterError):
    """No rule at this position of the filter set."""


@dataclass
class FilterSets:
    active: object  # name or None
    names: list


def _parameter(name):
    return param_tools.get_global_parameter(name, app=APP)


def mailbox_of(user):
    mailbox = getattr(user, "mailbox_or_none", None)
    if mailbox is None:
        raise FilterError(_("Only accounts with a mailbox have filters."))
    return mailbox


def session(mailbox):
    """A ManageSieve session for ``mailbox`` (a context manager)."""
    return ManageSieve(
        mailbox,
        _parameter("server"),
        _parameter("port"),
        starttls=bool(_parameter("starttls")),
    )


def folders(mailbox):
    """The folders of ``mailbox`` (raises imap.ImapUnavailable)."""
    return imap.list_folders(
        mailbox,
        _parameter("imap_server"),
        _parameter("imap_port"),
        secured=bool(_parameter("imap_secured")),
    )


def check_set_name(name):
    """Return the cleaned name of a filter set; raise FilterError."""
    name = (name or "").strip()
    if not name:
        raise FilterError(_("A filter set needs a name."))
    if len(name) > MAX_SET_NAME_LENGTH:
        raise FilterError(_("A filter set name has at most %d characters.") % MAX_SET_NAME_LENGTH)
    if any(ord(char) < 32 or ord(char) == 127 for char in name) or any(
        char in name for char in '/\\"'
    ):
        raise FilterError(_('A filter set name cannot contain /, \\, " or control characters.'))
    if name.startswith("."):
        raise FilterError(_("A filter set name cannot start with a dot."))
    return name


def capabilities(mailbox):
    with session(mailbox) as server:
        return server.capabilities()


def list_filter_sets(mailbox):
    with session(mailbox) as server:
        active, names = server.list_scripts()
    return FilterSets(active, names)


def get_script(mailbox, name):
    """Return the text of the filter set ``name``."""
    with session(mailbox) as server:
        return server.get_script(name)


def create_filter_set(mailbox, name, activate=False):
    name = check_set_name(name)
    with session(mailbox) as server:
        _active, names = server.list_scripts()
        if name in names:
            raise FilterError(_("A filter set named %s already exists.") % name)
        server.put_script(name, EMPTY_SCRIPT)
        if activate:
            _switch_active(server, name)
    return name


def delete_filter_set(mailbox, name):
    with session(mailbox) as server:
        active, names = server.list_scripts()
        if name not in names:
            raise ScriptNotFound(_("No filter set named %s.") % name)
        if name == active:
            raise FilterError(
                _("%s is the active filter set: activate another one before deleting it.") % name
            )
        server.delete_script(name)


def rename_filter_set(mailbox, name, new_name):
    new_name = check_set_name(new_name)
    with session(mailbox) as server:
        _active, names = server.list_scripts()
        if name not in names:
            raise ScriptNotFound(_("No filter set named %s.") % name)
        if new_name in names:
            raise FilterError(_("A filter set named %s already exists.") % new_name)
        server.rename_script(name, new_name)
    return new_name


def _switch_active(server, name):
    """Activate ``name``, carrying the away message part of the set that
    was active over to it (the away message lives in the active set).
    """
    active, _names = server.list_scripts()
    if active == name:
        return
    away = None
    if active is not None:
        old = Script.parse(server.get_script(active))
        away = old.away_text()
    if away is not None:
        new = Script.parse(server.get_script(name))
        new.set_away(away.split("\n", 1)[1])
        server.put_script(name, new.render())
    server.activate(name)
    if away is not None:
        old.set_away(None)
        server.put_script(active, old.render())


def activate_filter_set(mailbox, name):
    with session(mailbox) as server:
        _active, names = server.list_scripts()
        if name not in names:
            raise ScriptNotFound(_("No filter set named %s.") % name)
        _switch_active(server, name)


def save_raw(mailbox, name, content):
    """Replace the text of ``name``; the server's error (ScriptRejected,
    with its line) leaves the stored script as it was.
    """
    name = check_set_name(name)
    content = (content or "").replace("\r\n", "\n")
    try:
        senders.check_script(mailbox, content)
    except senders.ForeignSender as exc:
        raise FilterError(str(exc), "content") from exc
    with session(mailbox) as server:
        server.check_script(content)
        server.put_script(name, content)


def read_filter_set(mailbox, name):
    """Return the Script of ``name``, cut into parts."""
    return Script.parse(get_script(mailbox, name))


def _edit(mailbox, name, change, index=None):
    if index is not None and (not isinstance(index, int) or index < 0):
        raise RuleNotFound(_("No such filter."))
    with session(mailbox) as server:
        script = Script.parse(server.get_script(name))
        if not script.readable:
            raise FilterError(
                _("This filter set cannot be read (%s): use the raw editor.") % script.error
            )
        try:
            result = change(script)
        except RuleError as exc:
            raise FilterError(str(exc), exc.field) from exc
        except IndexError as exc:
            raise RuleNotFound(_("No such filter.")) from exc
        server.put_script(name, script.render())
        return result


def save_rule(mailbox, name, rule, index=None):
    """Add ``rule`` (index None) or replace rule ``index`` of ``name``."""
    rules = _edit(
        mailbox, name, lambda script: script.set_rule(index, rule) or script.rules(), index
    )
    return rules


def delete_rule(mailbox, name, index):
    _edit(mailbox, name, lambda script: script.delete_rule(index), index)


def move_rule(mailbox, name, index, offset):
    def change(script):
        script.rules()[index]  # IndexError for a bad index
        if not script.move_rule(index, offset):
            raise FilterError(_("This filter cannot move further."), "direction")

    _edit(mailbox, name, change, index)


def set_rule_enabled(mailbox, name, index, enabled):
    def change(script):
        rule = script.rules()[index]
        rule.enabled = bool(enabled)
        script.set_rule(index, rule)

    _edit(mailbox, name, change, index)


def set_away_part(mailbox, text):
    """Write (``text``) or remove (None) the away message part of the
    active filter set, creating and activating a set when there is none.
    """
    with session(mailbox) as server:
        active, names = server.list_scripts()
        if active is None:
            if text is None:
                return
            active = _free_name(names, _("away"))
            script = Script.parse(EMPTY_SCRIPT)
            script.set_away(text)
            server.put_script(active, script.render())
            server.activate(active)
            return
        script = Script.parse(server.get_script(active))
        if text is None and script.away_text() is None:
            return
        script.set_away(text)
        server.put_script(active, script.render())


def _free_name(names, base):
    name, counter = base, 1
    while name in names:
        counter += 1
        name = "%s%d" % (base, counter)
    return name


__all__ = ["FilterError", "RuleNotFound", "SieveError"]
