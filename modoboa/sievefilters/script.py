"""A Sieve script cut into parts, edited part by part.

The parts, in the order of the text:

- ``require``: the ``require`` line the panel writes for its own rules
  (marked ``# Modoboa: extensions``), recomputed at each save;
- ``away``: the away message, a marked ``if`` command kept in its own part
  (written by the autoreply application);
- ``rule``: a ``# Filter: <name>`` comment and the ``if`` command the form
  can read back (see ``rules.py``);
- ``text``: everything else, byte for byte as it was (hand-written
  commands, comments, blank lines, commands the form cannot read).

Rendering joins the parts again: a script saved without change comes back
identical, and editing one rule changes that rule's lines only.
"""

from dataclasses import dataclass, field

from . import rules as rules_module
from .lexer import SieveSyntaxError, statements, tokenize

REQUIRE_MARKER = "# Modoboa: extensions"
AWAY_MARKER = "# Modoboa: away message"


@dataclass
class Part:
    kind: str  # require, away, rule, text
    text: str
    rule: object = field(default=None)


def _line_start(text, offset):
    return text.rfind("\n", 0, offset) + 1


def _line_end(text, offset):
    """Offset after the newline ending the line of ``offset``, if only
    blanks follow ``offset`` on it; else None.
    """
    newline = text.find("\n", offset)
    rest = text[offset:] if newline < 0 else text[offset:newline]
    if rest.strip():
        return None
    return len(text) if newline < 0 else newline + 1


def _marker_before(text, tokens, statement, previous_end):
    """The marker comment right before ``statement`` (only blanks
    between), at the start of its line, after the previous command.
    """
    comments = [
        token
        for token in tokens
        if token.kind == "comment" and previous_end <= token.start < statement.start
    ]
    if not comments:
        return None
    comment = comments[-1]
    if text[comment.end : statement.start].strip():
        return None
    if text[_line_start(text, comment.start) : comment.start].strip():
        return None
    if text[comment.end : statement.start].count("\n") != 1:
        return None
    return comment


class Script:
    """A script as a list of parts."""

    def __init__(self, parts=None, readable=True, error=None):
        self.parts = parts or []
        #: False when the text could not even be tokenized: the form then
        #: offers the raw editor only.
        self.readable = readable
        self.error = error

    @classmethod
    def parse(cls, text):
        text = text or ""
        try:
            tokens = tokenize(text)
            commands = statements(tokens)
        except SieveSyntaxError as exc:
            return cls([Part("text", text)], readable=False, error=str(exc))
        parts, cursor, previous_end = [], 0, 0
        for statement in commands:
            marker = _marker_before(text, tokens, statement, previous_end)
            previous_end = statement.end
            if marker is None:
                continue
            start = _line_start(text, marker.start)
            end = _line_end(text, statement.end)
            if end is None or start < cursor:
                continue
            part = cls._part(marker.value, text[start:end], statement)
            if part is None:
                continue
            if start > cursor:
                parts.append(Part("text", text[cursor:start]))
            parts.append(part)
            cursor = end
        if cursor < len(text):
            parts.append(Part("text", text[cursor:]))
        return cls(parts)

    @staticmethod
    def _part(marker, text, statement):
        if marker.rstrip() == REQUIRE_MARKER and statement.name == "require":
            return Part("require", text)
        if marker.rstrip() == AWAY_MARKER and statement.name == "if":
            return Part("away", text)
        if marker.startswith(rules_module.MARKER) and statement.name == "if":
            name = marker[len(rules_module.MARKER) :].strip()
            try:
                rule = rules_module.read(name, statement.tokens)
            except rules_module.Unreadable:
                return None
            return Part("rule", text, rule)
        return None

    # Reading -------------------------------------------------------------

    def rules(self):
        """The rules the form can edit, in script order."""
        return [part.rule for part in self.parts if part.kind == "rule"]

    def _rule_parts(self):
        return [part for part in self.parts if part.kind == "rule"]

    def has_other_commands(self):
        """Whether text outside the form's rules holds commands (not only
        comments and blank lines).
        """
        for part in self.parts:
            if part.kind != "text":
                continue
            try:
                if statements(tokenize(part.text)):
                    return True
            except SieveSyntaxError:
                return True
        return False

    def away_text(self):
        for part in self.parts:
            if part.kind == "away":
                return part.text
        return None

    # Editing -------------------------------------------------------------

    def set_rule(self, index, rule):
        """Replace rule ``index`` (None: append) with ``rule``."""
        text = rules_module.render(rule)
        if index is None:
            if self.parts and not self.parts[-1].text.endswith("\n"):
                self.parts[-1].text += "\n"
            self.parts.append(Part("rule", text, rule))
            return
        part = self._rule_parts()[index]
        part.text, part.rule = text, rule

    def delete_rule(self, index):
        self.parts.remove(self._rule_parts()[index])

    def move_rule(self, index, offset):
        """Swap rule ``index`` with its neighbour ``index + offset``; the
        text between them stays where it is.
        """
        parts = self._rule_parts()
        other = index + offset
        if not 0 <= other < len(parts):
            return False
        first, second = self.parts.index(parts[index]), self.parts.index(parts[other])
        self.parts[first], self.parts[second] = self.parts[second], self.parts[first]
        return True

    def set_away(self, text):
        """Set (``text``) or remove (None) the away message part."""
        self.parts = [part for part in self.parts if part.kind != "away"]
        if text is None:
            return
        part = Part("away", "%s\n%s" % (AWAY_MARKER, text))
        # After the require commands at the top: Sieve wants them first.
        position = 0
        while position < len(self.parts) and self.parts[position].kind == "require":
            position += 1
        if position < len(self.parts) and self.parts[position].kind == "text":
            head = self.parts[position].text
            cut = _after_requires(head)
            if cut == len(head):
                position += 1
            elif cut:
                self.parts[position : position + 1] = [
                    Part("text", head[:cut]),
                    Part("text", head[cut:]),
                ]
                position += 1
        if position and not self.parts[position - 1].text.endswith("\n"):
            self.parts[position - 1].text += "\n"
        self.parts.insert(position, part)

    # Writing -------------------------------------------------------------

    def render(self):
        """The text of the script. The panel's require line lists what its
        rules and away message need; it is left out when they need nothing.
        """
        needs = set()
        for part in self.parts:
            if part.kind == "away":
                needs |= _away_needs(part.text)
        for rule in self.rules():
            needs |= rule.needs()
        body = "".join(part.text for part in self.parts if part.kind != "require")
        if not needs:
            return body
        line = "%s\nrequire [%s];\n" % (
            REQUIRE_MARKER,
            ", ".join(rules_module.quote(name) for name in sorted(needs)),
        )
        return line + body


def _after_requires(text):
    """Offset in ``text`` after its leading require commands (and the end of
    their line); 0 when it does not start with one.
    """
    try:
        commands = statements(tokenize(text))
    except SieveSyntaxError:
        return 0
    end = 0
    for command in commands:
        if command.name != "require":
            break
        end = _line_end(text, command.end) or command.end
    return end


def _away_needs(text):
    """Extensions used by the away message part (written by the panel)."""
    words = {token.value.lower() for token in tokenize(text) if token.kind == "word"}
    needs = set()
    if "vacation" in words:
        needs.add("vacation")
    if "currentdate" in words:
        needs.add("date")
    if ":value" in words:
        needs.add("relational")
    return needs
