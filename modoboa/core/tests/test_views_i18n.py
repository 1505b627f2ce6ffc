"""The console's English and French catalogues are complete and compiled."""

import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
TEMPLATE_DIRS = [
    ROOT / "templates",
    ROOT / "core" / "templates",
    ROOT / "admin" / "templates",
]


def _entries(path):
    text = path.read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        fields = {}
        current = None
        for line in block.splitlines():
            match = re.match(r'(msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields
    return entries


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_message_is_translated(language):
    entries = _entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 400
    untranslated = [
        msgid
        for msgid, fields in entries.items()
        if not any(value for key, value in fields.items() if key.startswith("msgstr"))
    ]
    assert untranslated == []


def test_template_strings_are_in_the_french_catalogue():
    entries = _entries(LOCALE / "fr" / "LC_MESSAGES" / "django.po")
    missing = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            for literal in re.findall(r'{% translate "([^"]+)"', template.read_text()):
                if literal.replace('"', '\\"') not in entries:
                    missing.append((template.name, literal))
    assert missing == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", ["en", "fr"])
def test_compiled_catalogue_is_up_to_date(language, tmp_path):
    directory = LOCALE / language / "LC_MESSAGES"
    target = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "-o", str(target), str(directory / "django.po")], check=True, timeout=60
    )
    assert target.read_bytes() == (directory / "django.mo").read_bytes()


def test_french_pages_render_in_french(client, simple_user):
    simple_user.language = "fr"
    simple_user.save()
    response = client.post(
        "/accounts/login/", {"username": "user@test.com", "password": "Toto1234!"}
    )
    page = client.get("/user/profile/")
    assert response.cookies["django_language"].value == "fr"
    content = page.content.decode()
    assert "Informations personnelles" in content and "Déconnexion" in content
