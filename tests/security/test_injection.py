"""Injection: hostile domain names, selectors, addresses and CSV cells are
refused at every entry point; no shell ever runs administrator input; SQL
is parameterized; generated Postfix maps stay well-formed.

Guards against Modoboa CVE-2026-27602 (a domain name reaching
``openssl genrsa`` through ``shell=True``), the 2026 DKIM map injection
through ``dkim_private_key_path`` and an unvalidated selector, and
PostfixAdmin CVE-2012-0811 and CVE-2014-2655 (SQL injection).
"""

import ast
import csv
import io
import pathlib

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "modoboa"

HOSTILE_DOMAINS = (
    "evil.com;touch /tmp/pwned",
    "$(touch /tmp/pwned).com",
    "`id`.com",
    "evil.com\nmydestination = all",
    "evil.com' OR '1'='1",
    "../../etc/passwd",
    "evil.com|id",
    "evil com.org",
    "evil.com\x00.org",
)
HOSTILE_ADDRESSES = (
    "a;id@test.com",
    "a'--@test.com",
    "$(id)@test.com",
    "a\n@test.com",
    "a/../b@test.com",
    "a%d@test.com",
)
HOSTILE_SELECTORS = ("modoboa;id", "a b", "../key", "x\ny", "sel'--", "-bad", "a" * 31)


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func):
    if isinstance(func, ast.Attribute):
        return "%s.%s" % (_name(func.value), func.attr)
    if isinstance(func, ast.Name):
        return func.id
    return ""


def test_cve_2026_27602_no_shell_anywhere_in_the_package():
    """No ``shell=True``, ``os.system``, ``os.popen`` or string command: an
    argument can never be read by a shell.
    """
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for call in _calls(tree):
            name = _name(call.func)
            where = "%s:%d %s" % (path.relative_to(PACKAGE.parent), call.lineno, name)
            if name in ("os.system", "os.popen", "commands.getoutput", "pty.spawn"):
                found.append(where)
            if name.startswith("os.exec") or name.startswith("os.spawn"):
                found.append(where)
            for keyword in call.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    found.append(where + " shell=")
            if name.startswith("subprocess.") and call.args:
                if isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    found.append(where + " (command given as a string)")
            if name in ("eval", "exec"):
                found.append(where)
    assert found == []


@pytest.mark.parametrize("name", HOSTILE_DOMAINS)
def test_cve_2026_27602_hostile_domain_names_are_refused_everywhere(
    name, superadmin, api, client, unchanged
):
    from modoboa.admin import services
    from modoboa.admin.csv_import import CSVFormatError, import_csv
    from modoboa.lib.exceptions import ModoboaException

    client.force_login(superadmin)
    rest = api(superadmin)
    line = io.StringIO()
    csv.writer(line, delimiter=";").writerow(["domain", name, 0, 0, True])
    with unchanged():
        with pytest.raises(ModoboaException):
            services.create_domain(acting_user=superadmin, name=name)
        response = rest.post("/api/v1/domains/", {"name": name}, format="json")
        assert response.status_code == 400 and "name" in response.body
        response = client.post("/admin/domains/new/", {"name": name, "type": "domain"})
        assert response.status_code == 400
        try:
            result = import_csv(io.StringIO(line.getvalue()), acting_user=superadmin)
        except CSVFormatError:
            pass  # The whole file is refused (a NUL byte).
        else:
            assert result.created == 0 and result.failed == 1


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_hostile_addresses_are_refused(address, superadmin, domain, api, unchanged):
    rest = api(superadmin)
    with unchanged():
        response = rest.post(
            "/api/v1/accounts/",
            {
                "username": address,
                "password": "Toto1234!",
                "mailbox": {"full_address": address},
            },
            format="json",
        )
        assert response.status_code == 400
        response = rest.post(
            "/api/v1/aliases/", {"address": address, "recipients": ["x@test.com"]}, format="json"
        )
        assert response.status_code == 400
        response = rest.post(
            "/api/v1/aliases/", {"address": "ok@test.com", "recipients": [address]}, format="json"
        )
        assert response.status_code == 400


@pytest.mark.parametrize("selector", HOSTILE_SELECTORS)
def test_2026_dkim_selector_injection_is_refused(selector, superadmin, domain, api, unchanged):
    rest = api(superadmin)
    with unchanged():
        response = rest.patch(
            "/api/v1/domains/%d/" % domain.pk,
            {"enable_dkim": True, "dkim_key_selector": selector},
            format="json",
        )
        assert response.status_code == 400
        assert "dkim_key_selector" in response.body


def test_2026_dkim_private_key_path_cannot_be_written_by_an_administrator(superadmin, domain, api):
    from modoboa.admin.models import Domain

    response = api(superadmin).patch(
        "/api/v1/domains/%d/" % domain.pk,
        {"dkim_private_key_path": "/etc/shadow", "dkim_public_key": "x"},
        format="json",
    )
    assert response.status_code in (200, 400)
    fresh = Domain.objects.get(pk=domain.pk)
    assert fresh.dkim_private_key_path == "" and fresh.dkim_public_key == ""


@pytest.mark.parametrize("name", HOSTILE_DOMAINS)
def test_key_files_never_leave_the_storage_directory(name, tmp_path):
    """Even a hostile name written into the table behind the services' back
    gives no path outside the DKIM storage directory."""
    from modoboa.admin import dkim

    with pytest.raises(dkim.DKIMError):
        dkim.key_path(str(tmp_path), name)


def test_cve_2014_2655_sql_in_search_terms_is_data(
    client, domain_admin, other_domain, make_account
):
    """Search terms go through bound parameters: an SQL fragment matches
    nothing and never widens what the caller sees."""
    make_account("victim@test2.com")
    client.force_login(domain_admin)
    for term in ("' OR '1'='1", "%' OR 1=1 --", "\\'; DROP TABLE core_user; --", "%", "_"):
        for path in ("/admin/identities/", "/admin/domains/", "/admin/identities/quotas/"):
            response = client.get(path, {"searchquery": term})
            assert response.status_code == 200
            assert b"victim@test2.com" not in response.content
            assert b"test2.com" not in response.content
    from modoboa.core.models import User

    assert User.objects.filter(username="victim@test2.com").exists()


def _map_files(directory):
    # The checksum file follows the headers' dates; the maps are compared.
    return {
        path.name: path.read_text()
        for path in sorted(pathlib.Path(directory).iterdir())
        if path.suffix == ".cf"
    }


def test_cve_2012_0811_postfix_maps_hold_queries_not_data(tmp_path, superadmin, domain):
    """Rows never enter the generated maps (Postfix substitutes the looked-up
    key itself, escaped), so hostile rows change nothing in them; every
    line is a comment or ``name = value``.
    """
    from modoboa.admin.models import Alias, Domain

    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    call_command("generate_postfix_maps", "--destdir", str(first), verbosity=0)
    # Straight into the tables, as a compromised or buggy writer would.
    Domain.objects.create(name="x.com'\nquery = SELECT 1 --", quota=0, default_mailbox_quota=0)
    Alias.objects.create(address="a'%s\n@x.com", domain=domain)
    call_command("generate_postfix_maps", "--destdir", str(second), verbosity=0, force=True)
    maps = _map_files(first)
    assert maps and _map_files(second).keys() == maps.keys()
    for name, text in _map_files(second).items():
        assert [line for line in text.splitlines() if not line.startswith("#")] == [
            line for line in maps[name].splitlines() if not line.startswith("#")
        ], name
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                key, sep, _value = line.partition(" = ")
                assert sep and key.strip() and " " not in key.strip(), (name, line)
