"""The console speaks French to French users, for every role.

Each account logs in through the login form with its language set to
French (the login applies it), then visits its pages. Besides a few
expected French texts, every page is scanned for English leftovers: a text
node or label that equals an English message whose French translation
differs (a string not marked, or translated too early, at import time).
"""

import html.parser
import pathlib
import re

import pytest

from modoboa.core.tests.test_i18n_catalogues import parse_po
from modoboa.core.twofactor import services as twofactor
from modoboa.core.twofactor.models import TOTPDevice

PASSWORD = "Toto1234!"
FR_PO = pathlib.Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-confirm", "data-add-label")

pytestmark = pytest.mark.django_db


def _english_messages():
    """English messages whose French differs, unescaped."""
    english = set()
    for entry in parse_po(FR_PO.read_text(encoding="utf-8")).values():
        msgid = entry.msgid.replace('\\"', '"').replace("\\n", "\n")
        if "%" in msgid or "{" in msgid:
            continue
        if entry.msgstrs and entry.msgstrs[0] != entry.msgid:
            english.add(msgid)
    return english


ENGLISH = _english_messages()


class _Texts(html.parser.HTMLParser):
    """Visible texts and labelling attributes of a page."""

    def __init__(self):
        super().__init__()
        self.texts = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value.strip())
            if name == "value" and dict(attrs).get("type") == "submit" and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(re.sub(r"\s+", " ", data.strip()))


def english_leftovers(content):
    parser = _Texts()
    parser.feed(content)
    return sorted({text for text in parser.texts if text in ENGLISH})


def french_page(client, url, *expected, status=200, method="get", data=None, headers=None):
    """Fetch ``url``; check its status, the French texts and that no English
    message is left. Return the page's HTML.
    """
    response = getattr(client, method)(url, data or {}, headers=headers)
    assert response.status_code == status, (url, response.status_code)
    content = response.content.decode()
    assert '<html lang="fr"' in content, url
    for text in expected:
        assert text in content, (url, text)
    assert english_leftovers(content) == [], url
    return content


def login_in_french(client, user, password=PASSWORD):
    user.language = "fr"
    user.save(update_fields=["language"])
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"


def test_the_detector_finds_english_texts():
    page = '<html lang="fr"><h1>Domains</h1><button aria-label="Close"></button><p>Domaines</p>'
    assert english_leftovers(page) == ["Close", "Domains"]


def test_login_page_follows_the_browser_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    content = response.content.decode()
    assert '<html lang="fr"' in content
    assert "Se connecter" in content and "Mot de passe oublié ?" in content
    assert english_leftovers(content) == []
    response = client.post(
        "/accounts/login/",
        {"username": "nobody@test.com", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    content = response.content.decode()
    assert "ne correspondent pas" in content
    assert english_leftovers(content) == []
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in" in response.content.decode()


def test_superadmin_pages_in_french(client, superadmin, domain, simple_user):
    login_in_french(client, superadmin, "password")
    french_page(client, "/dashboard/", "Tableau de bord", "Statistiques globales")
    french_page(client, "/admin/domains/", "Domaines", "Filtrer les domaines")
    french_page(client, "/admin/domains/quotas/", "Quotas des domaines")
    french_page(client, "/admin/domains/%d/" % domain.pk, "Alias de domaine", "50 Mo")
    french_page(client, "/admin/domains/%d/edit/" % domain.pk, "Enregistrer")
    french_page(client, "/admin/domains/new/", "Nouveau domaine", "Suivant")
    french_page(client, "/admin/domains/import/", "Importer des domaines", "quota par défaut")
    french_page(client, "/admin/identities/", "Identités", "Filtrer les identités")
    french_page(client, "/admin/identities/quotas/", "Quotas des boîtes")
    french_page(client, "/admin/identities/import/", "Importer des identités")
    french_page(client, "/admin/accounts/new/", "Nouveau compte", "Mot de passe aléatoire")
    french_page(
        client, "/admin/accounts/%d/" % simple_user.pk, "Résumé", "/ 10 Mo", ">Aucun<", ">Aucune<"
    )
    french_page(client, "/admin/accounts/%d/edit/" % simple_user.pk, "Profil", "Messagerie")
    french_page(client, "/admin/aliases/new/", "Nouvel alias", "Ajouter un destinataire")
    french_page(client, "/core/info/", "Version installée")
    french_page(client, "/core/logs/", "Journal d'administration")
    french_page(
        client,
        "/core/parameters/",
        "Sécurité de la connexion",
        "Exiger l&#x27;authentification à deux facteurs",
        "Limites par administrateur",
    )
    french_page(client, "/user/api/", "<h1>Accès à l'API</h1>")


def test_forms_with_errors_in_french(client, superadmin, domain):
    login_in_french(client, superadmin, "password")
    french_page(
        client,
        "/admin/domains/new/",
        "Ce champ est obligatoire.",
        method="post",
        data={"name": "", "type": "domain"},
        status=400,
    )
    french_page(
        client,
        "/admin/accounts/new/",
        "Les mots de passe ne correspondent pas",
        method="post",
        data={
            "role": "SimpleUsers",
            "username": "new@test.com",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
            "is_active": "on",
            "quota_act": "on",
        },
        status=400,
    )
    french_page(
        client,
        "/core/parameters/",
        "Certains paramètres sont invalides",
        method="post",
        data={"core-items_per_page": "0"},
        status=400,
    )


def test_reseller_pages_in_french(client, reseller):
    login_in_french(client, reseller)
    french_page(client, "/dashboard/", "Tableau de bord", "Aucun domaine pour l'instant.")
    french_page(client, "/admin/domains/", "Aucun domaine trouvé.", "Vos ressources")
    french_page(client, "/admin/identities/", "Identités")
    french_page(client, "/core/parameters/", "réservée aux super administrateurs", status=403)


def test_domain_admin_reaches_a_limit_in_french(client, domain_admin, set_limits):
    set_limits(domain_admin, mailboxes=0)
    login_in_french(client, domain_admin)
    french_page(client, "/dashboard/", "Vos domaines", "test.com")
    french_page(client, "/admin/domains/", "test.com")
    french_page(client, "/admin/identities/", "admin@test.com")
    french_page(
        client,
        "/admin/accounts/new/",
        "Boîtes aux lettres : limite atteinte",
        method="post",
        data={
            "username": "new@test.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_active": "on",
            "quota_act": "on",
        },
        status=400,
    )


def test_simple_user_pages_in_french(client, simple_user):
    login_in_french(client, simple_user)
    french_page(client, "/user/profile/", "Informations personnelles", "Déconnexion")
    french_page(client, "/user/preferences/", "Préférences")
    french_page(client, "/user/forward/", "Conserver des copies locales")
    french_page(client, "/dashboard/", "réservée aux administrateurs", status=403)
    french_page(client, "/admin/domains/", "Permission refusée", status=403)


def test_two_factor_pages_in_french(client, simple_user):
    login_in_french(client, simple_user)
    french_page(client, "/user/twofactor/", "n'est pas activée")
    french_page(client, "/user/twofactor/enable/", "Scannez ce code QR", method="post", status=200)
    french_page(
        client,
        "/user/twofactor/confirm/",
        "Code invalide",
        method="post",
        data={"code": "000000"},
        status=400,
    )
    key = TOTPDevice.objects.get(user=simple_user).key
    response = client.post("/user/twofactor/confirm/", {"code": twofactor.current_code(key)})
    french_page(client, response["Location"], "Codes de secours", "Terminé")
    french_page(client, "/user/twofactor/", "codes de secours inutilisés", "Désactiver")
    # A new browser: the code page follows its language, the code step
    # applies the account's.
    client.post("/accounts/logout/")
    client.cookies.clear()
    browser = {"accept-language": "fr-FR,fr;q=0.8"}
    response = client.post(
        "/accounts/login/",
        {"username": simple_user.username, "password": PASSWORD},
        headers=browser,
    )
    assert response["Location"] == "/accounts/login/verify/"
    assert "django_language" not in response.cookies
    french_page(
        client,
        "/accounts/login/verify/",
        "Authentification à deux facteurs",
        "Vérifier",
        headers=browser,
    )
    french_page(
        client,
        "/accounts/login/verify/",
        "Code invalide",
        method="post",
        data={"code": "123456"},
        status=401,
        headers=browser,
    )
    response = client.post("/accounts/login/verify/", {"code": twofactor.current_code(key, 1)})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"


def test_api_errors_follow_the_request_language(client, simple_user, superadmin):
    from rest_framework.authtoken.models import Token

    client.force_login(simple_user)
    response = client.get("/api/v1/domains/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert response.json() == {"detail": "Vous n'êtes pas autorisé à utiliser ce point d'accès."}
    token = Token.objects.create(user=superadmin)
    response = client.post(
        "/api/v1/domains/",
        {"name": "test.com"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token %s" % token.key,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert response.json() == {"name": ["Le domaine test.com existe déjà"]}
    response = client.get("/api/v1/domains/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "You are not allowed to use this endpoint."}


def test_language_menus_offer_only_languages_with_a_catalogue(client, simple_user, monkeypatch):
    import re

    from modoboa.core import constants, languages

    client.force_login(simple_user)
    page = client.get("/user/profile/").content.decode()
    select = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    # Every language of 1.10 has its catalogue.
    assert re.findall(r'<option value="([^"]+)"', select) == [
        code for code, _label in constants.LANGUAGES
    ]
    # Without a catalogue a language is not offered, but a value stored by
    # 1.10 (or the API) stays selected, never silently changed.
    monkeypatch.setattr(languages, "has_catalogue", lambda code: code in ("en", "fr"))
    page = client.get("/user/profile/").content.decode()
    select = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["en", "fr"]
    simple_user.language = "de"
    simple_user.save(update_fields=["language"])
    page = client.get("/user/profile/").content.decode()
    select = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["de", "en", "fr"]
    assert '<option value="de" selected>' in select


def test_the_profile_page_speaks_each_language(client, simple_user, settings):
    from django.utils import translation

    from modoboa.core import constants
    from modoboa.core.auth import django_language

    client.force_login(simple_user)
    for code, _label in constants.LANGUAGES:
        # What the login does with the account's language.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = django_language(code)
        response = client.get("/user/profile/")
        assert response.status_code == 200
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
        with translation.override(django_language(code)):
            word = translation.gettext("Profile")
        assert title.strip() == "%s · Modoboa" % word
        # Each catalogue has its own word for it (English being the source).
        assert (word == "Profile") == (code == "en"), code


@pytest.mark.parametrize(
    "language",
    ["en", "fr", "cs", "de", "el", "es", "it", "ja", "nl", "pl", "pt", "pt-br", "ro", "ru", "sv"]
    + ["zh-hant"],
)
def test_a_date_is_shown_one_way_whatever_the_template_says(language):
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    moment = datetime.datetime(2026, 12, 5, 8, 45, tzinfo=datetime.UTC)
    template = Template('{{ moment }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        plain, short = template.render(Context({"moment": moment})).split("|")
    assert plain == short
    expected = {
        "en": "12/05/2026 8:45 a.m.",
        "fr": "05/12/2026 08:45",
        "de": "05.12.2026 08:45",
        "sv": "2026-12-05 08:45",
    }
    if language in expected:
        assert short == expected[language]
