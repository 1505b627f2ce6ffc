"""Helpers of the security suite: walking the URLconf and building one
object of each kind, so that tests can request every view.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PASSWORD = "Toto1234!"


def url_patterns(resolver=None, prefix="", namespace=""):
    """Yield ``(route, name, callback)`` for every pattern of the URLconf."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = (
                    "%s:%s" % (namespace, pattern.namespace) if namespace else pattern.namespace
                )
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (
                "%s:%s" % (namespace, pattern.name) if namespace else pattern.name
            )
            yield prefix + str(pattern.pattern), name, pattern.callback


@pytest.fixture
def world(superadmin, reseller, domain, other_domain, domain_admin, simple_user, make_account):
    """One object of each kind in test.com (reached by the domain
    administrator) and in test2.com (reached by super administrators
    only), for views that take a primary key.
    """
    from types import SimpleNamespace

    from modoboa.admin import services

    foreign_user = make_account("victim@test2.com")
    own_alias = services.create_alias(
        acting_user=superadmin, address="list@test.com", recipients=["user@test.com"]
    )
    foreign_alias = services.create_alias(
        acting_user=superadmin, address="list@test2.com", recipients=["victim@test2.com"]
    )
    return SimpleNamespace(
        superadmin=superadmin,
        reseller=reseller,
        domain_admin=domain_admin,
        simple_user=simple_user,
        own_domain=domain,
        foreign_domain=other_domain,
        own_account=simple_user,
        foreign_account=foreign_user,
        own_alias=own_alias,
        foreign_alias=foreign_alias,
    )


#: The kind of object behind the ``pk`` of each named route.
PK_KINDS = {
    "admin:domain_": "domain",
    "admin:mx_domain_detail": "domain",
    "admin:dnsbl_domain_detail": "domain",
    "admin:account_": "account",
    "admin:alias_": "alias",
    "api:domain-": "domain",
    "api:relaydomain-": "domain",
    "api:domainalias-": "domainalias",
    "api:account-": "account",
    "api:resources-": "account",
    "api:alias-": "alias",
    "api:senderaddress-": "senderaddress",
}


def pk_kind(name):
    for prefix, kind in PK_KINDS.items():
        if name and name.startswith(prefix):
            return kind
    return None


def concrete_path(route, name, objects):
    """Turn a route into a path, with the primary key of ``objects[kind]``
    for routes that take one. Return None for catch-all patterns.
    """
    import re

    path = route.replace("^", "").replace("$", "")
    if "[\\s\\S]" in path:
        return None
    kind = pk_kind(name)
    pk = objects.get(kind).pk if kind and objects.get(kind) is not None else 1
    path = re.sub(r"<int:pk>|\(\?P<pk>[^)]*\)", str(pk), path)
    path = path.replace("<uidb64>", "MQ").replace("<token>", "set-password")
    # Quarantine routes: an Amavis mail id nobody holds, and an action name.
    path = path.replace("<str:mail_id>", "AAAAAAAAAAAA").replace("<str:name>", "delete")
    # Any other parameter (a rule's index, a script's name...): a sample value.
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(?:str|slug|path):\w+>", "sample", path)
    assert "<" not in path and "(" not in path, path
    return "/" + path


def every_path(objects):
    """``[(name, path, callback)]`` for every route of the URLconf."""
    result = []
    for route, name, callback in url_patterns():
        path = concrete_path(route, name, objects)
        if path is not None:
            result.append((name or route, path, callback))
    return result


def object_paths(objects):
    """``[(name, path)]`` of the routes that name one object by its key."""
    result = []
    for route, name, _callback in url_patterns():
        if "<int:pk>" in route or "(?P<pk>" in route:
            path = concrete_path(route, name, objects)
            if path is not None and pk_kind(name):
                result.append((name, path))
    return result
