"""Every catalogue (English, French and the other languages of 1.10)
covers every translatable string.

The strings are extracted from the code exactly as ``scripts/i18n update``
does (Django's ``makemessages``, run on a temporary copy of the package so
the committed catalogues are never touched), then compared with the
committed ``.po`` files; the ``.mo`` files must be their compilation.
Needs gettext, which ``scripts/debian-packages.txt`` installs.
"""

import collections
import gettext
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from django.utils import translation

PACKAGE = pathlib.Path(__file__).resolve().parents[2]
LOCALE = PACKAGE / "locale"
# Every catalogue in the package: the language menus offer exactly these.
LANGUAGES = tuple(
    sorted(path.name for path in LOCALE.iterdir() if (path / "LC_MESSAGES" / "django.po").exists())
)
# Keep in step with MAKEMESSAGES_OPTIONS in scripts/i18n.
MAKEMESSAGES_OPTIONS = ["--no-wrap", "--ignore", "tests", "--ignore", "*/tests/*"]
SOURCES = ("*.py", "*.html", "*.txt", "*.js")

Entry = collections.namedtuple("Entry", "key msgid plural msgstrs flags")


def _unquote(line):
    return line[line.index('"') + 1 : line.rindex('"')]


def parse_po(text):
    """Return ``{(msgctxt, msgid): Entry}`` for the live entries of a .po or
    .pot text (strings kept in their escaped form, wrapped lines joined).
    """
    entries = {}
    for block in re.split(r"\n\s*\n", text):
        fields, flags, current = {}, set(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
            else:
                match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ", line)
                if match:
                    current = match.group(1)
                    fields[current] = _unquote(line)
        if fields.get("msgid"):
            key = (fields.get("msgctxt"), fields["msgid"])
            msgstrs = [
                value for name, value in sorted(fields.items()) if name.startswith("msgstr")
            ]
            entries[key] = Entry(key, fields["msgid"], fields.get("msgid_plural"), msgstrs, flags)
    return entries


def _catalogue(language, domain="django"):
    path = LOCALE / language / "LC_MESSAGES" / ("%s.po" % domain)
    return parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}


def _describe(keys):
    return sorted(
        msgid if context is None else "%s|%s" % (context, msgid) for context, msgid in keys
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """``{domain: entries}`` extracted from the code by makemessages."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed (see scripts/debian-packages.txt)")
    copy = tmp_path_factory.mktemp("i18n") / "modoboa"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=lambda directory, names: [
            name
            for name in names
            if name in ("locale", "__pycache__", "vendor")
            or (
                (pathlib.Path(directory) / name).is_file()
                and not any(pathlib.PurePath(name).match(pattern) for pattern in SOURCES)
            )
        ],
    )
    (copy / "locale").mkdir()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = {}
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "--domain", domain]
            + ["--locale", "xx", "--keep-pot", "--verbosity", "0"]
            + MAKEMESSAGES_OPTIONS,
            cwd=copy,
            env=env,
            check=True,
            timeout=120,
        )
        pot = copy / "locale" / ("%s.pot" % domain)
        result[domain] = parse_po(pot.read_text(encoding="utf-8")) if pot.exists() else {}
    return result


def test_extraction_finds_the_strings_of_python_code_and_templates(extracted):
    msgids = {msgid for _context, msgid in extracted["django"]}
    # One from a service's error, a template, a parameter form, the 2FA app.
    assert "Domain %s does not exist" in msgids
    assert "Skip to main content" in msgids
    assert "Failures before locking an account" in msgids
    assert "Recovery codes" in msgids
    assert len(msgids) > 600


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_of_the_code_is_translated(extracted, language, domain):
    catalogue = _catalogue(language, domain)
    missing = [
        key
        for key in extracted[domain]
        if key not in catalogue
        or "fuzzy" in catalogue[key].flags
        or not all(catalogue[key].msgstrs)
    ]
    assert _describe(missing) == [], "run scripts/i18n update, translate, compile"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_hold_no_stale_entries(extracted, language):
    stale = set(_catalogue(language)) - set(extracted["django"])
    assert _describe(stale) == [], "run scripts/i18n update (it drops unused entries)"


def _plural_forms(language):
    """The catalogue's number of plural forms and its plural function."""
    header = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    match = re.search(r"Plural-Forms: nplurals=(\d+); plural=(.*?);?\\n", header)
    return int(match.group(1)), gettext.c2py(match.group(2))


def test_the_languages_of_1_10_have_a_catalogue():
    from django.conf import settings
    from django.utils.translation import to_locale

    assert set(LANGUAGES) == {to_locale(code) for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_every_form(language):
    count, _plural = _plural_forms(language)
    for entry in _catalogue(language).values():
        if entry.plural is not None:
            assert len(entry.msgstrs) == count and all(entry.msgstrs), entry.msgid


def test_english_catalogue_repeats_the_source_strings():
    different = [
        entry.msgid
        for entry in _catalogue("en").values()
        if entry.msgstrs != ([entry.msgid, entry.plural] if entry.plural else [entry.msgid])
    ]
    assert different == []


PLACEHOLDER = re.compile(
    r"%\([a-z_]+\)[sdr]|%[sdr]|\{[a-z_]*\}|</?[a-z]+[^>]*>|&[a-z]+;|\\n", re.IGNORECASE
)


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_markup(language):
    broken = []
    for entry in _catalogue(language).values():
        sources = [entry.msgid, entry.plural] if entry.plural else [entry.msgid]
        for index, msgstr in enumerate(entry.msgstrs):
            source = sources[min(index, len(sources) - 1)]
            # A language may use its singular for several numbers (French
            # for 0 and 1; Japanese for all), so a form keeps the number.
            if _placeholders(msgstr) != _placeholders(source):
                broken.append((entry.msgid, msgstr))
    assert broken == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language, tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.fail("gettext is not installed (see scripts/debian-packages.txt)")
    directory = LOCALE / language / "LC_MESSAGES"
    target = tmp_path / "django.mo"
    # What compilemessages runs; --check also validates the header and the
    # python-format placeholders.
    subprocess.run(
        ["msgfmt", "--check", "-o", str(target), str(directory / "django.po")],
        check=True,
        timeout=60,
    )
    assert target.read_bytes() == (directory / "django.mo").read_bytes(), (
        "run scripts/i18n compile"
    )


def _unescape(text):
    return re.sub(
        r"\\(.)", lambda match: {"n": "\n", "t": "\t"}.get(match.group(1), match.group(1)), text
    )


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_django_serves_our_translations(language):
    """Django's and DRF's catalogues translate some of the same msgids;
    ours must win (LOCALE_PATHS), for every entry.
    """
    overridden = []
    _count, plural = _plural_forms(language)
    with translation.override(translation.to_language(language)):
        for entry in _catalogue(language).values():
            context, msgid = entry.key[0], _unescape(entry.msgid)
            if entry.plural:
                got = translation.ngettext(msgid, _unescape(entry.plural), 5)
                wanted = entry.msgstrs[plural(5)]
            elif context is not None:
                got, wanted = translation.pgettext(_unescape(context), msgid), entry.msgstrs[0]
            else:
                got, wanted = translation.gettext(msgid), entry.msgstrs[0]
            if got != _unescape(wanted):
                overridden.append((entry.msgid, got))
    assert overridden == []
    with translation.override("en"):
        assert translation.gettext("Domain %s does not exist") == "Domain %s does not exist"
