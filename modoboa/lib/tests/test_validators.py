"""The validators keep hostile administrator input out of maps, paths,
scripts and DNS records."""

import pytest
from django.core.exceptions import ValidationError

from modoboa.lib import validators

HOSTILE = [
    "",
    "../etc",
    "a/../../b.com",
    "test.com;rm -rf /",
    "test.com'",
    'test".com',
    "test.com\n",
    "test.com\nfoo.org",
    "test.com\r",
    "test\x00.com",
    "test .com",
    " test.com",
    "test.com ",
    "tеst.com",  # Cyrillic "е"
    "ｔest.com",  # full-width t
    "test．com",  # full-width full stop
    "bücher.de",
    "test.com.",
    ".test.com",
    "test..com",
    "-test.com",
    "test-.com",
    "te_st.com",
    "test",
    "test.c",
    "test.123",
    "$(id).com",
    "`id`.com",
    "%d.com",
    "a" * 64 + ".com",
    ("a" * 60 + ".") * 2 + "com",  # 125 characters, over the column size
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_domain_names_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_domain_name(value)


@pytest.mark.parametrize(
    "value", ["test.com", "sub.test.com", "xn--bcher-kva.de", "a-b.c-d.org", "1and1.com", "x.io"]
)
def test_ordinary_domain_names_are_accepted(value):
    validators.validate_domain_name(value)


@pytest.mark.parametrize(
    "value",
    [
        "user\n",
        "us er",
        "us'er",
        'us"er',
        "us/er",
        "..",
        ".user",
        "user.",
        "us..er",
        "us%er",
        "us$er",
        "us`er",
        "us|er",
        "us;er",
        "us\\er",
        "us\x00er",
        "usér",
        "us{er}",
        "a" * 65,
    ],
)
def test_hostile_local_parts_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_local_part(value)


@pytest.mark.parametrize(
    "value", ["user", "first.last", "user+tag", "a_b-c", "bounce=x", "a" * 64]
)
def test_ordinary_local_parts_are_accepted(value):
    validators.validate_local_part(value)


@pytest.mark.parametrize(
    "value",
    [
        "user@test.com\n",
        "user@@test.com",
        "user",
        "@test.com",
        "user@",
        "user@test.com;x",
        "a@b@c.com",
    ],
)
def test_bad_addresses_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_email_address(value)


def test_over_long_addresses_are_refused():
    with pytest.raises(ValidationError):
        validators.validate_email_address("a" * 64 + "@" + ("b" * 60 + ".") * 3 + "com")


def test_catch_all_is_an_alias_address_but_not_an_email():
    validators.validate_alias_address("@test.com")
    with pytest.raises(ValidationError):
        validators.validate_email_address("@test.com")
    with pytest.raises(ValidationError):
        validators.validate_alias_address("@test.com\n")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "modoboa\n",
        "mod oboa",
        "-modoboa",
        "modoboa-",
        "mod.oboa",
        "mod/oboa",
        "../x",
        "s" * 31,
    ],
)
def test_hostile_dkim_selectors_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_dkim_selector(value)


@pytest.mark.parametrize("value", ["modoboa", "s2026", "mail-key", "a"])
def test_dkim_selectors_are_one_dns_label(value):
    validators.validate_dkim_selector(value)


@pytest.mark.parametrize("value", ["mx.test.com", "relay", "10-0-0-1.test"])
def test_host_names(value):
    validators.validate_hostname(value)


@pytest.mark.parametrize(
    "value", ["mx.test.com\n", "mx test", "mx;id", "[mx]", "mx..com", "é.com"]
)
def test_hostile_host_names_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_hostname(value)


@pytest.mark.parametrize("value", ["admin", "jean.dupont", "admin@test.com", "a+b"])
def test_usernames(value):
    validators.validate_username(value)


@pytest.mark.parametrize(
    "value", ["adm'in", "adm in", "admin\n", "-admin", "admin;", "adm/in", ""]
)
def test_hostile_usernames_are_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_username(value)


@pytest.mark.parametrize("value,expected", [(5, 5), ("12", 12), (" -1 ", -1), (3.0, 3)])
def test_integers(value, expected):
    assert validators.parse_integer(value) == expected


@pytest.mark.parametrize("value", [True, 2.5, "1e3", "", "0x10", None, [1], "9" * 13])
def test_non_integers_are_refused(value):
    with pytest.raises(ValueError):
        validators.parse_integer(value)
