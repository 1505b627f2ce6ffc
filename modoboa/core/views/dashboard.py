"""The home redirection, the administrators' dashboard and its news."""

import logging

import feedparser
import requests
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from modoboa.core import signals
from modoboa.core.extensions import exts_pool
from modoboa.core.models import User
from modoboa.lib.views import admin_required
from modoboa.parameters import tools as param_tools

logger = logging.getLogger("modoboa.admin")

NEWS_TIMEOUT = 3
NEWS_CACHE_SECONDS = 3600
NEWS_ITEMS = 5
DEFAULT_NEWS_FEEDS = {
    "fr": "https://modoboa.org/fr/weblog/feeds/",
    "en": "https://modoboa.org/en/weblog/feeds/",
}


def user_home(user):
    """Where ``user`` lands after login or on ``/``."""
    if user.is_admin:
        return reverse("core:dashboard")
    target = param_tools.get_global_parameter("default_top_redirection", app="core")
    if target and target != "user":
        extension = exts_pool.get_extension(target)
        if extension is not None and extension.topredirection_url:
            return extension.topredirection_url
    return reverse("core:user_index")


def root(request):
    if not request.user.is_authenticated:
        return redirect("core:login")
    return redirect(user_home(request.user))


def news_feed_url(user):
    """The feed shown to ``user``: the ``rss_feed_url`` parameter for
    non-superusers when set, else ``settings.MODOBOA_NEWS_FEED_URL`` when
    set, else the project's weblog in the user's language.
    """
    custom = param_tools.get_global_parameter("rss_feed_url", app="core")
    if custom and not user.is_superuser:
        return custom
    configured = getattr(settings, "MODOBOA_NEWS_FEED_URL", None)
    if configured:
        return configured
    language = (get_language() or "en").split("-")[0]
    return DEFAULT_NEWS_FEEDS.get(language, DEFAULT_NEWS_FEEDS["en"])


def fetch_news(url):
    """Return ``[{title, link, published}]`` from ``url``, or None when the
    feed cannot be read. Results (failures too) are cached, so a dead feed
    costs one short timeout per hour, not one per page.
    """
    key = "modoboa-news:%s" % url
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    items = []
    try:
        response = requests.get(url, timeout=NEWS_TIMEOUT, headers={"User-Agent": "Modoboa"})
        response.raise_for_status()
        feed = feedparser.parse(response.content)
        for entry in feed.entries[:NEWS_ITEMS]:
            link = entry.get("link", "")
            if not link.startswith(("http://", "https://")):
                link = ""
            items.append(
                {
                    "title": entry.get("title", ""),
                    "link": link,
                    "published": entry.get("published", ""),
                }
            )
    except (requests.RequestException, ValueError) as exc:
        logger.debug("News feed %s unavailable: %s", url, exc)
        items = []
    cache.set(key, items, NEWS_CACHE_SECONDS)
    return items or None


def domain_statistics(user, limit=10):
    """Per-domain identity counts for a non-superuser (first domains)."""
    from modoboa.admin.models import Alias, Domain, Mailbox

    mailboxes = (
        Mailbox.objects.filter(domain=OuterRef("pk"))
        .order_by()
        .values("domain")
        .annotate(total=Count("pk"))
        .values("total")
    )
    aliases = (
        Alias.objects.filter(domain=OuterRef("pk"), internal=False)
        .order_by()
        .values("domain")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return list(
        Domain.objects.get_for_admin(user)
        .annotate(
            mailbox_count=Coalesce(Subquery(mailboxes, output_field=IntegerField()), 0),
            alias_count=Coalesce(Subquery(aliases, output_field=IntegerField()), 0),
        )
        .order_by("name")[:limit]
    )


@admin_required
@require_GET
def dashboard(request):
    from modoboa.admin.models import Alias, Domain, DomainAlias

    user = request.user
    context = {"title": "dashboard"}
    if user.is_superuser:
        context["statistics"] = {
            "domains": Domain.objects.count(),
            "domain_aliases": DomainAlias.objects.count(),
            "identities": User.objects.count() + Alias.objects.filter(internal=False).count(),
        }
    else:
        context["domains"] = domain_statistics(user)
        context["domain_total"] = Domain.objects.get_for_admin(user).count()
    widgets = {"left": [], "right": []}
    for _receiver, result in signals.extra_admin_dashboard_widgets.send(
        sender="dashboard", user=user
    ):
        for widget in result or []:
            widgets.setdefault(widget.get("column", "left"), []).append(widget)
    context["widgets"] = widgets
    url = news_feed_url(user)
    key = "modoboa-news:%s" % url
    cached = cache.get(key)
    context["news_loaded"] = cached is not None
    context["news"] = cached or None
    context["news_url"] = url
    return render(request, "core/dashboard.html", context)


@admin_required
@require_GET
def news(request):
    """The news widget's content, fetched by the dashboard's script."""
    items = fetch_news(news_feed_url(request.user))
    return render(request, "core/_news.html", {"news": items, "news_loaded": True})
