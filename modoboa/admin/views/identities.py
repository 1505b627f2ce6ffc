"""The identities list (accounts and aliases together), the mailbox quota
list and bulk deletion.
"""

import sqlite3

from django.contrib import messages
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from modoboa.core import constants as core_constants
from modoboa.core.models import User
from modoboa.lib.exceptions import BadRequest
from modoboa.lib.listing import Listing
from modoboa.lib.views import perm_required
from modoboa.parameters import tools as param_tools

from .. import services
from ..forms.account import DeleteForm
from ..models import Alias, AliasRecipient, Mailbox, Quota
from .common import extra_content, pool_usage

SIDEBAR = "admin/_identities_menu.html"
FILTERS_SESSION_KEY = "identity_filters"
FILTER_NAMES = ("searchquery", "idtfilter", "grpfilter")
ROLES = [role for role, _label in core_constants.ROLES]


def sidebar_context(request, section):
    return {
        "sidebar_template": SIDEBAR,
        "section": section,
        "pool": pool_usage(request.user),
        "extra_content": extra_content(request.user, "identities", section),
    }


def _role_filter(role):
    if role == core_constants.SUPERADMINS:
        return Q(is_superuser=True)
    membership = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=role)
    return Q(is_superuser=False) & Q(Exists(membership))


# A search matching at most this many rows of each kind is served from the
# primary keys found by one pass over each table; a broader one is counted
# and sorted in SQL (an indexed scan that stops at the page).
SEARCH_PROBE = 10000


def search_probe():
    """:data:`SEARCH_PROBE`, lowered so that the keys found (up to three
    times this many) fit in one statement's parameters: SQLite before 3.32
    takes only 999.
    """
    if connection.vendor != "sqlite":
        return SEARCH_PROBE
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(0, min(SEARCH_PROBE, (limit - 10) // 3))


def search_term(params):
    return (params.get("searchquery") or "").strip().lower()


def filtered_accounts(user, params):
    queryset = User.objects.get_for_admin(user)
    search = search_term(params)
    if search:
        queryset = queryset.filter(Q(username__contains=search) | Q(email__contains=search))
    role = params.get("grpfilter")
    if role in ROLES:
        queryset = queryset.filter(_role_filter(role))
    return queryset


def filtered_aliases(user, params):
    queryset = Alias.objects.get_for_admin(user).filter(internal=False)
    search = search_term(params)
    if search:
        queryset = queryset.filter(address__contains=search)
    return queryset


def search_matches(user, params):
    """The primary keys of the accounts and of the aliases the search
    matches, or None without a search or when it matches too many rows.

    The two conditions on accounts are read apart, each from its own
    index (username, email) instead of from the whole table rows; at a
    million accounts that is twice as fast as one scan testing both.
    """
    search = search_term(params)
    if not search:
        return None
    kind = params.get("idtfilter")
    role = params.get("grpfilter")
    probe = search_probe()
    account_ids, alias_ids = set(), set()
    if kind != "alias":
        unsearched = filtered_accounts(user, {"grpfilter": role}).order_by()
        by_username = unsearched.filter(username__contains=search).values_list("pk", flat=True)
        by_email = unsearched.filter(email__contains=search).values_list("pk", flat=True)
        # Both lists hold an account whose username and email both match.
        found = list(by_username.union(by_email, all=True)[: 2 * probe + 1])
        if len(found) > 2 * probe:
            return None
        account_ids = set(found)
    if kind != "account" and role not in ROLES:
        found = list(
            filtered_aliases(user, params).order_by().values_list("pk", flat=True)[: probe + 1]
        )
        if len(found) > probe:
            return None
        alias_ids = set(found)
    return sorted(account_ids), sorted(alias_ids)


def identity_rows(user, params, matches=None):
    """A union of accounts and aliases with the columns the list sorts on.

    The "full name / recipient" and "tag" columns cost a subquery per row,
    computed for every row before the page when sorting on them: they are
    only selected when the list is sorted on them (the page's objects are
    loaded by :func:`load_identities` anyway). ``matches`` (from
    :func:`search_matches`) replaces the filters by the rows they found.
    """
    kind = params.get("idtfilter")
    role = params.get("grpfilter")
    sort_key = (params.get("sort") or "").lstrip("-")
    columns = ["kind", "pk", "identity"]
    if sort_key in ("name_or_rcpt", "tags"):
        columns += ["name_or_rcpt", "tag"]
    first_group = Group.objects.filter(user=OuterRef("pk")).order_by("name").values("name")[:1]
    first_recipient = (
        AliasRecipient.objects.filter(alias=OuterRef("pk"))
        .order_by("address")
        .values("address")[:1]
    )
    parts = []
    if kind != "alias":
        accounts = (
            User.objects.filter(pk__in=matches[0])
            if matches is not None
            else filtered_accounts(user, params)
        ).annotate(kind=Value("account", output_field=CharField()), identity=F("username"))
        if "tag" in columns:
            accounts = accounts.annotate(
                name_or_rcpt=Concat(
                    "first_name", Value(" "), "last_name", output_field=CharField()
                ),
                tag=Case(
                    When(is_superuser=True, then=Value(core_constants.SUPERADMINS)),
                    default=Subquery(first_group),
                    output_field=CharField(),
                ),
            )
        parts.append(accounts.values(*columns).order_by())
    if kind != "account" and role not in ROLES:
        aliases = (
            Alias.objects.filter(pk__in=matches[1])
            if matches is not None
            else filtered_aliases(user, params)
        ).annotate(kind=Value("alias", output_field=CharField()), identity=F("address"))
        if "tag" in columns:
            aliases = aliases.annotate(
                name_or_rcpt=Subquery(first_recipient, output_field=CharField()),
                tag=Value("alias", output_field=CharField()),
            )
        parts.append(aliases.values(*columns).order_by())
    if not parts:
        return User.objects.none().values("pk")
    queryset = parts[0]
    if len(parts) > 1:
        queryset = queryset.union(parts[1], all=True)
    return queryset


def identity_count(user, params):
    """The number of rows of :func:`identity_rows`, without its per-row
    subqueries (two plain COUNTs).
    """
    kind = params.get("idtfilter")
    role = params.get("grpfilter")
    total = 0
    if kind != "alias":
        total += filtered_accounts(user, params).count()
    if kind != "account" and role not in ROLES:
        total += filtered_aliases(user, params).count()
    return total


def load_identities(rows):
    """Turn a page of union rows into account and alias objects (two
    queries plus their prefetches, whatever the page size).
    """
    rows = list(rows)
    account_ids = [row["pk"] for row in rows if row["kind"] == "account"]
    alias_ids = [row["pk"] for row in rows if row["kind"] == "alias"]
    accounts = {
        account.pk: account
        for account in User.objects.filter(pk__in=account_ids)
        .select_related("mailbox__domain")
        .prefetch_related("groups")
    }
    aliases = {
        alias.pk: alias
        for alias in Alias.objects.filter(pk__in=alias_ids)
        .select_related("domain")
        .prefetch_related("aliasrecipient_set")
    }
    items = []
    for row in rows:
        if row["kind"] == "account":
            obj = accounts.get(row["pk"])
            if obj is None:
                continue
            mailbox = obj.mailbox_or_none
            disabled = not obj.is_active or (mailbox is not None and not mailbox.domain.enabled)
        else:
            obj = aliases.get(row["pk"])
            if obj is None:
                continue
            disabled = not obj.enabled or (obj.domain is not None and not obj.domain.enabled)
        items.append({"kind": row["kind"], "obj": obj, "disabled": disabled})
    return items


def remember_filters(request):
    filters = {name: request.GET.get(name, "") for name in FILTER_NAMES if request.GET.get(name)}
    # Saving an unchanged session would cost a write (and a commit) per page.
    if request.session.get(FILTERS_SESSION_KEY) != filters:
        request.session[FILTERS_SESSION_KEY] = filters


@perm_required("core.add_user", "admin.add_alias", any_of=True)
@require_GET
def identity_list(request):
    remember_filters(request)
    matches = search_matches(request.user, request.GET)

    def count():
        if matches is not None:
            return len(matches[0]) + len(matches[1])
        return identity_count(request.user, request.GET)

    listing = Listing(
        request,
        identity_rows(request.user, request.GET, matches),
        sort_fields={
            "identity": ("identity", "kind"),
            "name_or_rcpt": ("name_or_rcpt", "identity"),
            "tags": ("tag", "identity"),
        },
        default_sort="identity",
        tie_breaker="pk",
        plain_ordering=True,
        count=count,
    )
    context = sidebar_context(request, "list")
    context.update(
        {
            "listing": listing,
            "items": load_identities(listing.items),
            "filters": {name: request.GET.get(name, "") for name in FILTER_NAMES},
            "roles": core_constants.ROLES,
            "handle_mailboxes": param_tools.get_global_parameter("handle_mailboxes", app="admin"),
            # A list filtered on "@domain" (a domain's Identities button):
            # new accounts and aliases start in that domain.
            "filtered_domain": _searched_domain(request.GET.get("searchquery", "")),
        }
    )
    return render(request, "admin/identity_list.html", context)


def _searched_domain(query):
    query = query.strip().lower()
    if query.startswith("@") and "@" not in query[1:] and "." in query and " " not in query:
        return query[1:]
    return None


def quota_rows(user, params, with_usage=True):
    """Mailboxes with a quota, annotated with their usage.

    Without ``with_usage``, the slim rows a page is chosen from: the usage
    subquery would otherwise run for every row before the page.
    """
    used = Quota.objects.filter(
        username=Concat(OuterRef("address"), Value("@"), OuterRef("domain__name"))
    ).values("bytes")[:1]
    queryset = Mailbox.objects.get_for_admin(user).exclude(quota=0)
    if with_usage:
        queryset = (
            queryset.select_related("domain", "user")
            .annotate(
                stored_bytes=Coalesce(Subquery(used, output_field=BigIntegerField()), Value(0))
            )
            .annotate(
                usage=Case(
                    When(quota=0, then=Value(0)),
                    default=F("stored_bytes") * 100 / (F("quota") * 1048576),
                    output_field=IntegerField(),
                )
            )
        )
    else:
        queryset = queryset.only("pk", "address", "quota", "domain_id")
    search = (params.get("searchquery") or "").strip().lower()
    if search:
        if "@" in search:
            local, _sep, domain = search.partition("@")
            condition = Q(domain__name__startswith=domain) if domain else Q()
            if local:
                condition &= Q(address__endswith=local) | Q(address=local)
            queryset = queryset.filter(condition)
        else:
            queryset = queryset.filter(
                Q(address__contains=search) | Q(domain__name__contains=search)
            )
    return queryset


@perm_required("admin.add_mailbox")
@require_GET
def identity_quota_list(request):
    sort_key = (request.GET.get("sort") or "").lstrip("-")
    by_usage = sort_key in ("quota_value__bytes", "quota_usage")
    listing = Listing(
        request,
        quota_rows(request.user, request.GET, with_usage=by_usage),
        sort_fields={
            # The unique (address, domain) index gives this order without a sort.
            "address": ("address", "domain_id"),
            "quota": "quota",
            "quota_value__bytes": "stored_bytes",
            "quota_usage": "usage",
        },
        default_sort="address",
    )
    mailboxes = list(listing.items)
    if not by_usage:
        detailed = quota_rows(request.user, request.GET).filter(pk__in=[m.pk for m in mailboxes])
        by_pk = {mailbox.pk: mailbox for mailbox in detailed}
        mailboxes = [by_pk[m.pk] for m in mailboxes if m.pk in by_pk]
    rows = [
        {
            "mailbox": mailbox,
            "used_mb": int(mailbox.stored_bytes / 1048576),
            "percent": min(100, max(0, mailbox.usage or 0)),
        }
        for mailbox in mailboxes
    ]
    context = sidebar_context(request, "quotas")
    context.update({"listing": listing, "rows": rows, "filters": request.GET})
    return render(request, "admin/identity_quota_list.html", context)


def _parse_selection(values):
    accounts, aliases = [], []
    for value in values:
        kind, _sep, pk = str(value).partition("-")
        if not pk.isdigit():
            raise BadRequest(_("Invalid selection"), field="selection")
        if kind == "account":
            accounts.append(int(pk))
        elif kind == "alias":
            aliases.append(int(pk))
        else:
            raise BadRequest(_("Invalid selection"), field="selection")
    return accounts, aliases


@perm_required("core.add_user", "admin.add_alias", any_of=True)
@require_POST
def identity_delete(request):
    """Bulk deletion: a confirmation page, then everything or nothing."""
    selection = request.POST.getlist("selection")
    account_ids, alias_ids = _parse_selection(selection)
    if not selection:
        messages.warning(request, _("Select at least one identity."))
        return redirect("admin:identity_list")
    accounts = list(User.objects.get_for_admin(request.user).filter(pk__in=account_ids))
    aliases = list(
        Alias.objects.get_for_admin(request.user).filter(pk__in=alias_ids, internal=False)
    )
    if len(accounts) != len(set(account_ids)) or len(aliases) != len(set(alias_ids)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You are not allowed to access this object."))
    form = DeleteForm(request.POST)
    if request.POST.get("confirm") and form.is_valid():
        with transaction.atomic():
            for account in accounts:
                services.delete_account(
                    account, acting_user=request.user, keepdir=form.cleaned_data["keepdir"]
                )
            if aliases:
                remaining = list(
                    Alias.objects.filter(pk__in=[a.pk for a in aliases]).values_list(
                        "pk", flat=True
                    )
                )
                if remaining:
                    services.delete_aliases(remaining, acting_user=request.user)
        messages.success(request, _("%d identities deleted") % (len(accounts) + len(aliases)))
        return redirect("admin:identity_list")
    context = sidebar_context(request, "list")
    context.update(
        {
            "accounts": accounts,
            "aliases": aliases,
            "selection": selection,
            "form": form,
            "handle_mailboxes": param_tools.get_global_parameter("handle_mailboxes", app="admin"),
        }
    )
    return render(request, "admin/identity_delete.html", context)
