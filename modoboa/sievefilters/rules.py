"""The rules the filter form edits, to and from Sieve.

A rule is written as a ``# Filter: <name>`` comment followed by one ``if``
command. Only the vocabulary below is read back; anything else (string
lists, ``elsif``, other tests or actions) leaves the command as text that the
form does not touch.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MARKER = "# Filter: "

MATCH_TYPES = ("all", "any", "always")
HEADER_FIELDS = ("Subject", "From", "To", "Cc", "List-Id")
ADDRESS_FIELDS = ("From", "To", "Cc")
ADDRESS_PARTS = ("all", "localpart", "domain")
OPERATORS = ("contains", "notcontains", "is", "notis", "matches", "notmatches")
SIZE_OPERATORS = ("over", "under")
ACTIONS = ("fileinto", "redirect", "reject", "discard", "flag", "keep", "stop")
# Sieve extension each element needs (RFC 5228 core needs none).
NEEDS = {
    "fileinto": "fileinto",
    "reject": "reject",
    "flag": "imap4flags",
    "body": "body",
    "copy": "copy",
}
MAX_NAME_LENGTH = 100


class RuleError(ValueError):
    """A rule the form cannot write (bad name or value); ``field`` names
    what is wrong: ``name``, ``match``, ``conditions[2].operator``...
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Unreadable(ValueError):
    """A command outside the vocabulary of the form."""


@dataclass
class Condition:
    field: str  # a header name, "body" or "size"
    operator: str
    value: str
    part: str = "all"  # address part, for From/To/Cc

    def needs(self):
        return {NEEDS["body"]} if self.field == "body" else set()


@dataclass
class Action:
    name: str
    argument: str = ""
    copy: bool = False

    def needs(self):
        result = {NEEDS[self.name]} if self.name in NEEDS else set()
        if self.copy:
            result.add(NEEDS["copy"])
        return result


@dataclass
class Rule:
    name: str
    match: str = "all"
    conditions: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    enabled: bool = True

    def needs(self):
        result = set()
        for item in self.conditions + self.actions:
            result |= item.needs()
        return result


def quote(value):
    """A Sieve quoted string holding ``value`` exactly (no injection:
    backslashes and double quotes are escaped; line breaks stay inside).
    """
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def check_name(name):
    """Return the cleaned rule name; raise RuleError."""
    name = (name or "").strip()
    if not name:
        raise RuleError(_("A filter needs a name."), "name")
    if len(name) > MAX_NAME_LENGTH:
        raise RuleError(_("A filter name has at most %d characters.") % MAX_NAME_LENGTH, "name")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise RuleError(
            _("A filter name cannot contain line breaks or control characters."), "name"
        )
    return name


def _check(rule):
    rule.name = check_name(rule.name)
    if rule.match not in MATCH_TYPES:
        raise RuleError(_("Unknown match type %s.") % rule.match, "match")
    if rule.match != "always" and not rule.conditions:
        raise RuleError(_("Give at least one condition, or choose 'all messages'."), "conditions")
    if not rule.actions:
        raise RuleError(_("Give at least one action."), "actions")
    for position, condition in enumerate(rule.conditions):
        _check_condition(condition, "conditions[%d]." % position)
    for position, action in enumerate(rule.actions):
        _check_action(action, "actions[%d]." % position)


def _check_condition(condition, prefix):
    if not condition.field or any(ord(char) <= 32 or char == ":" for char in condition.field):
        raise RuleError(_("%s is not a header name.") % condition.field, prefix + "field")
    if condition.field == "size":
        if condition.operator not in SIZE_OPERATORS:
            raise RuleError(_("A size is compared with 'over' or 'under'."), prefix + "operator")
        if not _is_size(condition.value):
            raise RuleError(
                _("%s is not a size (a number, optionally followed by K, M or G).")
                % condition.value,
                prefix + "value",
            )
    elif condition.operator not in OPERATORS:
        raise RuleError(_("Unknown operator %s.") % condition.operator, prefix + "operator")
    if any(char in condition.value for char in "\r\n\0"):
        raise RuleError(_("A value must fit on one line."), prefix + "value")
    if condition.part not in ADDRESS_PARTS:
        raise RuleError(_("Unknown address part %s.") % condition.part, prefix + "part")


def _check_action(action, prefix):
    if action.name not in ACTIONS:
        raise RuleError(_("Unknown action %s.") % action.name, prefix + "name")
    if action.name in ("fileinto", "redirect", "reject") and not action.argument:
        raise RuleError(_("The action %s needs a value.") % action.name, prefix + "argument")
    if action.name in ("fileinto", "redirect") and any(ord(char) < 32 for char in action.argument):
        raise RuleError(_("A value must fit on one line."), prefix + "argument")
    if action.name == "redirect":
        try:
            validate_email(action.argument)
        except ValidationError:
            raise RuleError(
                _("%s is not an email address.") % action.argument, prefix + "argument"
            ) from None


def _is_size(value):
    value = value.strip()
    if value[-1:].upper() in ("K", "M", "G"):
        value = value[:-1]
    return value.isdigit()


def _test(condition):
    negate = condition.operator.startswith("not")
    operator = condition.operator[3:] if negate else condition.operator
    if condition.field == "size":
        return "size :%s %s" % (condition.operator, condition.value.strip().upper())
    if condition.field == "body":
        text = "body :text :%s %s" % (operator, quote(condition.value))
    elif condition.part != "all":
        text = "address :%s :%s %s %s" % (
            condition.part,
            operator,
            quote(condition.field),
            quote(condition.value),
        )
    else:
        text = "header :%s %s %s" % (operator, quote(condition.field), quote(condition.value))
    return "not " + text if negate else text


def _command(action):
    copy = ":copy " if action.copy else ""
    if action.name == "fileinto":
        return "fileinto %s%s;" % (copy, quote(action.argument))
    if action.name == "redirect":
        return "redirect %s%s;" % (copy, quote(action.argument))
    if action.name == "reject":
        return "reject %s;" % quote(action.argument)
    if action.name == "flag":
        return 'addflag "\\\\Flagged";'
    return "%s;" % action.name


def render(rule):
    """The Sieve text of ``rule`` (marker comment included, newline ended)."""
    _check(rule)
    if rule.match == "always":
        test = "true"
    else:
        keyword = "allof" if rule.match == "all" else "anyof"
        test = "%s (%s)" % (keyword, ", ".join(_test(c) for c in rule.conditions))
    if not rule.enabled:
        test = "allof (false, %s)" % test
    body = "".join("    %s\n" % _command(action) for action in rule.actions)
    return "%s%s\nif %s {\n%s}\n" % (MARKER, rule.name, test, body)


# Reading back ---------------------------------------------------------------


class _Reader:
    def __init__(self, tokens):
        self.tokens = tokens
        self.position = 0

    def peek(self):
        if self.position < len(self.tokens):
            return self.tokens[self.position]
        return None

    def take(self, kind=None, value=None):
        token = self.peek()
        if token is None or (kind and token.kind != kind):
            raise Unreadable()
        if value is not None and token.value.lower() != value:
            raise Unreadable()
        self.position += 1
        return token

    def word(self, *choices):
        token = self.take("word")
        if choices and token.value.lower() not in choices:
            raise Unreadable()
        return token.value.lower()

    def tags(self):
        result = []
        while self.peek() is not None and self.peek().kind == "word":
            if not self.peek().value.startswith(":"):
                break
            result.append(self.take().value.lower()[1:])
        return result

    def at(self, value):
        token = self.peek()
        return token is not None and token.kind == "punct" and token.value == value


def _read_condition(reader):
    negate = False
    name = reader.word("not", "header", "address", "body", "size")
    if name == "not":
        negate = True
        name = reader.word("header", "address", "body")
    tags = reader.tags()
    if name == "size":
        if negate or len(tags) != 1 or tags[0] not in SIZE_OPERATORS:
            raise Unreadable()
        return Condition("size", tags[0], reader.take("word").value)
    operators = [tag for tag in tags if tag in ("contains", "is", "matches")]
    if len(operators) != 1:
        raise Unreadable()
    operator = ("not" if negate else "") + operators[0]
    if name == "body":
        if sorted(tags) != sorted(["text", operators[0]]):
            raise Unreadable()
        return Condition("body", operator, reader.take("string").value)
    part = "all"
    if name == "address":
        parts = [tag for tag in tags if tag in ("localpart", "domain", "all")]
        if len(parts) != 1 or len(tags) != 2:
            raise Unreadable()
        part = parts[0]
        if part == "all":
            raise Unreadable()  # written by us as a header test
    elif len(tags) != 1:
        raise Unreadable()
    header = reader.take("string").value
    value = reader.take("string").value
    if part != "all" and header not in ADDRESS_FIELDS:
        raise Unreadable()
    return Condition(header, operator, value, part)


def _read_test_list(reader):
    reader.take("punct", "(")
    tests = [_read_condition(reader)]
    while reader.at(","):
        reader.take()
        tests.append(_read_condition(reader))
    reader.take("punct", ")")
    return tests


def _read_test(reader, rule):
    word = reader.peek()
    if word is None or word.kind != "word":
        raise Unreadable()
    keyword = word.value.lower()
    if keyword == "true":
        reader.take()
        rule.match = "always"
    elif keyword in ("allof", "anyof"):
        reader.take()
        rule.match = "all" if keyword == "allof" else "any"
        rule.conditions = _read_test_list(reader)
    else:
        raise Unreadable()


def _read_action(reader):
    name = reader.word("fileinto", "redirect", "reject", "discard", "keep", "stop", "addflag")
    tags = reader.tags()
    action = Action(name)
    if tags:
        if tags != ["copy"] or name not in ("fileinto", "redirect"):
            raise Unreadable()
        action.copy = True
    if name in ("fileinto", "redirect", "reject"):
        action.argument = reader.take("string").value
    elif name == "addflag":
        if reader.take("string").value != "\\Flagged":
            raise Unreadable()
        action.name = "flag"
    reader.take("punct", ";")
    return action


def read(name, tokens):
    """Return the Rule written by ``tokens`` (one ``if`` command) or raise
    Unreadable.
    """
    reader = _Reader(tokens)
    reader.word("if")
    rule = Rule(name=name)
    token = reader.peek()
    if token is not None and token.kind == "word" and token.value.lower() == "allof":
        following = reader.tokens[reader.position + 2 : reader.position + 4]
        if (
            len(following) == 2
            and following[0].kind == "word"
            and following[0].value.lower() == "false"
            and following[1].value == ","
        ):
            reader.position += 4
            rule.enabled = False
            _read_test(reader, rule)
            reader.take("punct", ")")
        else:
            _read_test(reader, rule)
    else:
        _read_test(reader, rule)
    reader.take("punct", "{")
    while not reader.at("}"):
        rule.actions.append(_read_action(reader))
    reader.take("punct", "}")
    if reader.peek() is not None:
        raise Unreadable()
    try:
        _check(rule)
    except RuleError as exc:
        raise Unreadable() from exc
    return rule
