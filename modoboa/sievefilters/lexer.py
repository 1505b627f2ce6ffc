"""Tokens of a Sieve script (RFC 5228, section 8.1), with their offsets.

Enough to cut a script into its top-level commands without changing one
byte of it: strings, multi-line ``text:`` literals, both kinds of comments,
punctuation, and words (identifiers, tags, numbers).
"""

import re
from dataclasses import dataclass


class SieveSyntaxError(ValueError):
    """The script cannot be tokenized (unterminated string or comment)."""

    def __init__(self, message, line):
        super().__init__("line %d: %s" % (line, message))
        self.line = line


@dataclass
class Token:
    kind: str  # word, string, comment, punct
    value: str
    start: int
    end: int


_WORD = re.compile(r":?[A-Za-z_][A-Za-z0-9_]*|[0-9]+[KkMmGg]?")
_MULTILINE = re.compile(r"text:[ \t]*(#[^\n]*)?\r?\n")


def _line(text, offset):
    return text.count("\n", 0, offset) + 1


def _quoted(text, start):
    """Return (value, end) of the quoted string opened at ``start``."""
    position, chars = start + 1, []
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            chars.append(text[position + 1])
            position += 2
            continue
        if char == '"':
            # Servers store line breaks as CRLF; values read back use LF.
            return "".join(chars).replace("\r\n", "\n"), position + 1
        chars.append(char)
        position += 1
    raise SieveSyntaxError("unterminated string", _line(text, start))


def _multiline(text, match):
    """Return (value, end) of the ``text:`` literal matched by ``match``."""
    position, lines = match.end(), []
    while position <= len(text):
        newline = text.find("\n", position)
        if newline < 0:
            break
        line = text[position:newline].rstrip("\r")
        if line == ".":
            return "\n".join(lines) + ("\n" if lines else ""), newline + 1
        lines.append(line[1:] if line.startswith("..") else line)
        position = newline + 1
    raise SieveSyntaxError("unterminated text: block", _line(text, match.start()))


def tokenize(text):
    """Return the list of tokens of ``text``; raise SieveSyntaxError."""
    tokens, position, size = [], 0, len(text)
    while position < size:
        char = text[position]
        if char in " \t\r\n":
            position += 1
        elif char == "#":
            end = text.find("\n", position)
            end = size if end < 0 else end
            tokens.append(Token("comment", text[position:end], position, end))
            position = end
        elif text.startswith("/*", position):
            end = text.find("*/", position + 2)
            if end < 0:
                raise SieveSyntaxError("unterminated comment", _line(text, position))
            tokens.append(Token("comment", text[position : end + 2], position, end + 2))
            position = end + 2
        elif char == '"':
            value, end = _quoted(text, position)
            tokens.append(Token("string", value, position, end))
            position = end
        elif char in "{}();[],":
            tokens.append(Token("punct", char, position, position + 1))
            position += 1
        else:
            multiline = _MULTILINE.match(text, position)
            if multiline:
                value, end = _multiline(text, multiline)
                tokens.append(Token("string", value, position, end))
                position = end
                continue
            word = _WORD.match(text, position)
            if not word:
                raise SieveSyntaxError("unexpected character %r" % char, _line(text, position))
            tokens.append(Token("word", word.group(0), position, word.end()))
            position = word.end()
    return tokens


@dataclass
class Statement:
    """A top-level command: its tokens (comments excluded) and offsets."""

    tokens: list
    start: int
    end: int

    @property
    def name(self):
        return self.tokens[0].value.lower() if self.tokens else ""


def statements(tokens):
    """Group ``tokens`` into top-level commands; comments are skipped.

    A command ends with ``;`` at depth 0 or with the ``}`` that closes its
    block, unless ``elsif``/``else`` follows.
    """
    result, current, depth = [], [], 0
    code = [token for token in tokens if token.kind != "comment"]
    for index, token in enumerate(code):
        current.append(token)
        if token.kind != "punct":
            continue
        if token.value == "{":
            depth += 1
        elif token.value == "}":
            depth -= 1
            if depth < 0:
                raise SieveSyntaxError("unbalanced }", 0)
            following = code[index + 1] if index + 1 < len(code) else None
            if depth == 0 and not (
                following is not None
                and following.kind == "word"
                and following.value.lower() in ("elsif", "else")
            ):
                result.append(Statement(current, current[0].start, token.end))
                current = []
        elif token.value == ";" and depth == 0:
            result.append(Statement(current, current[0].start, token.end))
            current = []
    if current:
        raise SieveSyntaxError("unfinished command at the end of the script", 0)
    return result
