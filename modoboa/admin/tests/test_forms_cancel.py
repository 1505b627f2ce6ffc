"""Cancel on every form and wizard of the administration: each page with
a form offers a Cancel link that leads back to a page the same
administrator may open, and following it changes nothing.
"""

import re

import pytest

from modoboa.admin import services
from modoboa.admin.models import Alias, Domain
from modoboa.core.models import User

pytestmark = pytest.mark.django_db


def cancel_links(page):
    return re.findall(r'<a [^>]*href="([^"]+)"[^>]*>\s*Cancel\s*</a>', page)


def assert_cancellable(client, url, method="get", data=None):
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, url
    page = response.content.decode()
    assert "<form" in page, url
    links = cancel_links(page)
    assert len(links) == 1, (url, links)
    target = links[0]
    assert target != url.split("?")[0], url
    assert client.get(target).status_code == 200, (url, target)
    return target


def fixtures_for(superadmin, domain_name="test.com"):
    domain = Domain.objects.get(name=domain_name)
    account = User.objects.get(username="user@%s" % domain_name)
    alias = services.create_alias(
        acting_user=superadmin, address="team@%s" % domain_name, recipients=[account.email]
    )
    return domain, account, alias


def form_pages(domain, account, alias, superuser):
    pages = [
        ("/admin/accounts/new/", "get", None),
        ("/admin/accounts/new/?domain=%s" % domain.name, "get", None),
        ("/admin/accounts/%d/edit/" % account.pk, "get", None),
        ("/admin/accounts/%d/delete/" % account.pk, "get", None),
        ("/admin/aliases/new/", "get", None),
        ("/admin/aliases/%d/edit/" % alias.pk, "get", None),
        ("/admin/aliases/delete/?selection=%d" % alias.pk, "get", None),
        ("/admin/identities/delete/", "post", {"selection": ["account-%d" % account.pk]}),
        ("/admin/identities/import/", "get", None),
        ("/admin/identities/export/", "get", None),
    ]
    if superuser:
        pages += [
            ("/admin/domains/%d/edit/" % domain.pk, "get", None),
            ("/admin/domains/new/", "get", None),
            ("/admin/domains/%d/delete/" % domain.pk, "get", None),
            ("/admin/domains/import/", "get", None),
            ("/admin/domains/export/", "get", None),
        ]
    return pages


def test_every_form_of_the_super_administrator_has_cancel(client, superadmin, simple_user):
    domain, account, alias = fixtures_for(superadmin)
    client.force_login(superadmin)
    for url, method, data in form_pages(domain, account, alias, superuser=True):
        assert_cancellable(client, url, method, data)
    # Following Cancel changed nothing.
    assert User.objects.filter(pk=account.pk).exists()
    assert Alias.objects.filter(pk=alias.pk).exists()
    assert Domain.objects.filter(pk=domain.pk).exists()


def test_every_form_of_a_domain_administrator_has_cancel(
    client, superadmin, domain_admin, simple_user
):
    domain, account, alias = fixtures_for(superadmin)
    client.force_login(domain_admin)
    for url, method, data in form_pages(domain, account, alias, superuser=False):
        assert_cancellable(client, url, method, data)


def test_wizards_cancel_to_their_list(client, superadmin):
    client.force_login(superadmin)
    assert assert_cancellable(client, "/admin/domains/new/") == "/admin/domains/"
    assert assert_cancellable(client, "/admin/accounts/new/") == "/admin/identities/"
