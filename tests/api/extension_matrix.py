"""The permission matrix of an extension's API, shared by one small test
module per extension (``test_matrix_<extension>.py``).

The people: a super administrator; the reseller owning ``ext.test``; the
domain administrator of ``ext.test`` (``da@ext.test``); the domain
administrator of another domain (``da@extother.test``); the user owning
the object (``owner@ext.test``); another user of the same domain
(``other@ext.test``); anonymous callers. Every account but the super
administrator and the reseller has a mailbox.

A module lists its cases as ``{(route name, METHOD): Case}``; a case sends
one request per person and compares the whole table of statuses with the
expected one, so a failure shows every hole at once. A refused request
(4xx) must write nothing; ``Case.check`` can assert the effect of an
accepted one.
"""

from dataclasses import dataclass, field

from modoboa.admin import services
from modoboa.core import constants
from modoboa.core.models import User
from modoboa.limits import services as limits_services

PASSWORD = "Toto1234!"
PEOPLE = (
    "superadmin",
    "reseller",
    "domain_admin",
    "other_domain_admin",
    "owner",
    "other_user",
    "anonymous",
)
DOMAIN = "ext.test"
OTHER_DOMAIN = "extother.test"


def expect(
    superadmin, reseller, domain_admin, other_domain_admin, owner, other_user, anonymous=401
):
    """The expected status per person, in the order of ``PEOPLE``."""
    return dict(
        zip(
            PEOPLE,
            (superadmin, reseller, domain_admin, other_domain_admin, owner, other_user, anonymous),
            strict=True,
        )
    )


@dataclass
class People:
    accounts: dict = field(default_factory=dict)

    def user(self, name):
        """A fresh copy of ``name``'s account (None for anonymous)."""
        account = self.accounts.get(name)
        return None if account is None else User.objects.get(pk=account.pk)

    @property
    def owner(self):
        return self.user("owner")


def build_people(superadmin):
    """Create the people (through the service layer) and return them."""
    people = People()
    people.accounts["superadmin"] = superadmin
    reseller = services.create_account(
        acting_user=superadmin, username="extreseller", password=PASSWORD, role=constants.RESELLERS
    )
    for name in ("domains", "mailboxes", "mailbox_aliases", "domain_admins"):
        limits_services.set_user_limit(reseller, name, 10, acting_user=None)
    limits_services.set_user_limit(reseller, "quota", 0, acting_user=None)
    people.accounts["reseller"] = reseller
    services.create_domain(acting_user=reseller, name=DOMAIN, quota=0, default_mailbox_quota=0)
    services.create_domain(
        acting_user=superadmin, name=OTHER_DOMAIN, quota=0, default_mailbox_quota=0
    )
    for name, domain in (("domain_admin", DOMAIN), ("other_domain_admin", OTHER_DOMAIN)):
        people.accounts[name] = services.create_account(
            acting_user=superadmin,
            username="da@%s" % domain,
            password=PASSWORD,
            role=constants.DOMAINADMINS,
            domains=[domain],
            mailbox={"address": "da@%s" % domain},
        )
    for name, local in (("owner", "owner"), ("other_user", "other")):
        address = "%s@%s" % (local, DOMAIN)
        people.accounts[name] = services.create_account(
            acting_user=reseller,
            username=address,
            password=PASSWORD,
            mailbox={"address": address},
        )
    return people


@dataclass
class Case:
    """``request(client, people)`` returns the response; ``expected`` maps
    each person to a status, or for a list to ``"200+"``/``"200-"`` (the
    owner's object is, or is not, in it: ``found(people, response)`` tells);
    ``check(people, person, response)`` asserts the effect of an accepted
    request (optional); ``prepare(people, person)`` runs before each request,
    outside the "refused requests write nothing" check, and its result is
    ``client.prepared`` (a fresh object for a request that may consume it).
    """

    request: object
    expected: dict
    check: object = None
    found: object = None
    prepare: object = None


def extension_routes(package):
    """``{(route name, METHOD)}`` of the API routes served by ``package``."""
    from django.urls import URLPattern, URLResolver, get_resolver

    routes = set()

    def view_module(callback):
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        return getattr(view, "__module__", "") or getattr(callback, "__module__", "")

    def walk(patterns, in_api):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, in_api or pattern.namespace == "api")
                continue
            if not (in_api and isinstance(pattern, URLPattern)):
                continue
            callback = pattern.callback
            if not view_module(callback).startswith(package + "."):
                continue
            view = getattr(callback, "cls", None) or callback.view_class
            # A viewset maps methods to actions; a view defines handlers.
            candidates = getattr(callback, "actions", None) or [
                method for method in view.http_method_names if hasattr(view, method)
            ]
            methods = {
                method.upper()
                for method in candidates
                if method in view.http_method_names and method not in ("options", "head")
            }
            routes.update((pattern.name, method) for method in methods)

    walk(get_resolver().url_patterns, False)
    return routes


def statuses(case, people, api, unchanged):
    """Send the request of ``case`` as each person; return the statuses."""
    table = {}
    for person in PEOPLE:
        client = api(people.user(person))
        client.default_format = "json"
        client.person = person
        client.prepared = case.prepare(people, person) if case.prepare else None
        status = int(str(case.expected[person])[:3])
        if status >= 400:
            with unchanged():
                response = case.request(client, people)
        else:
            response = case.request(client, people)
        table[person] = response.status_code
        if isinstance(case.expected[person], str) and response.status_code == 200:
            table[person] = "200%s" % ("+" if case.found(people, response) else "-")
        if response.status_code == status and status < 400 and case.check is not None:
            # A check asserts, or returns False when the effect is missing.
            assert case.check(people, person, response) is not False, (person, response.body)
        if person == "anonymous":
            assert response.status_code != 401 or response["WWW-Authenticate"] == "Token"
    return table
