"""Texts shown to users are marked for translation.

A static scan of the templates (text outside ``{% translate %}`` and
``{% blocktranslate %}``, labelling attributes) and of the Python code
(labels, help texts, validation and service errors, flash messages). What
stays English on purpose: log lines (``core_log`` and syslog), management
command output, the OpenAPI documentation of the API (``api/`` modules,
``core/auth_api.py``) and the internal messages listed in
``ENGLISH_ON_PURPOSE``.
"""

import ast
import pathlib
import re

PACKAGE = pathlib.Path(__file__).resolve().parents[2]

# Words a template may show untranslated: names, DNS and IMAP terms, a URL
# scheme as placeholder, CSS classes given through blocks, and the first
# (keyword) field of the CSV lines.
TEMPLATE_WORDS = {
    "Modoboa",
    "MX",
    "DNSBL",
    "DMARC",
    "p=",
    "container",
    "UIDVALIDITY",
    "https://",
}
CSV_KEYWORDS = re.compile(r"^(domain|domainalias|relaydomain|account|alias);$")
CSS_CLASS = re.compile(r"^[a-z]+(-[a-z0-9]+)+$")
ATTRIBUTE = re.compile(
    r'\b(aria-label|title|placeholder|alt|data-confirm|data-add-label)="([^"]*)"'
)

GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}
ERRORS = {
    "ValidationError",
    "BadRequest",
    "PermDeniedException",
    "LimitReached",
    "BadLimitValue",
    "NotFound",
    "Conflict",
    "UnsufficientResource",
    "PermissionDenied",
    "Http404",
    "AuthenticationFailed",
}
KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
# (file, literal start): errors only a programming mistake raises, and
# django-auth-ldap's refusal reason, which goes to the log only.
ENGLISH_ON_PURPOSE = {
    ("parameters/tools.py", "No %s parameters for application"),
    ("parameters/tools.py", "Parameter %s.%s does not exist"),
    ("lib/authbackends.py", "%s is a local account"),
}
# API modules outside an api/ package: their help texts document the API.
API_DOCUMENTATION = {"core/auth_api.py", "webmail/compose/api.py"}


def _sources(pattern):
    for path in sorted(PACKAGE.rglob(pattern)):
        relative = path.relative_to(PACKAGE)
        if not {"tests", "migrations", "static", "locale"} & set(relative.parts):
            yield relative, path


def _untranslated_template_text(text):
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", text, flags=re.S)
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    found = [
        value
        for _name, value in ATTRIBUTE.findall(re.sub(r"{%.*?%}|{{.*?}}", "", text, flags=re.S))
        if re.search(r"[A-Za-z]", value) and value.strip() not in TEMPLATE_WORDS
    ]
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>|&[a-z]+;|&#\d+;", " ", text, flags=re.S)
    for word in text.split():
        if not re.search(r"[A-Za-z]", word) or word in TEMPLATE_WORDS:
            continue
        if CSV_KEYWORDS.match(word) or CSS_CLASS.match(word):
            continue
        found.append(word)
    return found


def test_templates_show_no_untranslated_text():
    found = []
    for relative, path in _sources("*.html"):
        found += [(str(relative), word) for word in _untranslated_template_text(path.read_text())]
    for relative, path in _sources("*.txt"):
        if "templates" in relative.parts:
            found += [
                (str(relative), word) for word in _untranslated_template_text(path.read_text())
            ]
    assert found == []


def test_the_template_scan_finds_plain_text():
    assert _untranslated_template_text(
        '{% load i18n %}<h1>{% translate "Domains" %}</h1><p>Hello {{ name }}</p>'
        '<button aria-label="Close">{% blocktranslate %}Some {{ x }}{% endblocktranslate %}'
        "</button>{% block body_class %}page-login{% endblock %} · Modoboa"
    ) == ["Close", "Hello"]


def _name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _plain_text(node):
    """The text of a string literal (or f-string) holding words, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if re.search(r"[A-Za-z]{2}", node.value) else None
    if isinstance(node, ast.JoinedStr):
        return "<f-string>"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _plain_text(node.left)
    return None


def _unmarked_python_texts(source, filename="module.py"):
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _name(node.func) in GETTEXT:
            continue
        candidates = []
        function = _name(node.func)
        if function in ERRORS and node.args:
            candidates.append(node.args[0])
        # messages.success(request, "..."), not logger.info("...").
        if (
            isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
            and len(node.args) >= 2
        ):
            candidates.append(node.args[1])
        candidates += [kw.value for kw in node.keywords if kw.arg in KEYWORDS]
        for candidate in candidates:
            text = _plain_text(candidate)
            if text and not any(
                filename == name and text.startswith(start) for name, start in ENGLISH_ON_PURPOSE
            ):
                found.append((filename, candidate.lineno, text))
    # Messages of permission classes and the like: ``message = "..."``.
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [_name(target) for target in statement.targets] == ["message"]
                    and _plain_text(statement.value)
                ):
                    found.append((filename, statement.lineno, _plain_text(statement.value)))
    return found


def test_python_texts_shown_to_users_are_marked():
    found = []
    for relative, path in _sources("*.py"):
        if {"api", "management", "commands"} & set(relative.parts):
            continue
        if str(relative) in API_DOCUMENTATION:
            continue
        found += _unmarked_python_texts(path.read_text(), str(relative))
    assert found == []


def test_the_python_scan_finds_unmarked_texts():
    source = """
class Form:
    name = forms.CharField(label="Name", help_text=_("Marked"))

class Permission:
    message = "You may not"

def view(request):
    messages.success(request, "Saved")
    logger.info("Logged in English on purpose")
    raise BadRequest("Bad %s" % 1, field="x")
    raise NotFound(_("Fine"))
"""
    assert [text for _file, _line, text in _unmarked_python_texts(source)] == [
        "Name",
        "Saved",
        "Bad %s",
        "You may not",
    ]
