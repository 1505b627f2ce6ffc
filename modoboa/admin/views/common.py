"""Helpers shared by the admin console views."""

from modoboa.limits import services as limits_services

from .. import signals


def pool_usage(user):
    """The resource pool block of non-superusers (left column)."""
    if user.is_superuser or not limits_services.admin_limits_enabled():
        return []
    return limits_services.user_limits_summary(user)


def signal_entries(signal, **kwargs):
    entries = []
    for _receiver, result in signal.send(sender="console", **kwargs):
        entries.extend(result or [])
    return entries


def extra_content(user, location, currentpage):
    """HTML blocks extensions add in the left column."""
    return signal_entries(
        signals.extra_admin_content, user=user, location=location, currentpage=currentpage
    )


def extra_tabs(signal, instances_signal, user, obj, data=None, **kwargs):
    """Instantiate the extension tabs of an edit form.

    ``signal`` receivers return ``[{"id", "title", "cls"}]``;
    ``instances_signal`` receivers may return ``{id: instance}`` to bind a
    tab to another object than ``obj``.
    """
    instances = {}
    for _receiver, result in instances_signal.send(sender="console", user=user, **kwargs):
        instances.update(result or {})
    tabs = []
    for entry in signal_entries(signal, user=user, **kwargs):
        instance = instances.get(entry["id"], obj)
        form = entry["cls"](user, instance, data, prefix=entry["id"])
        tabs.append(
            {
                "id": entry["id"],
                "label": entry["title"],
                "form": form,
                "show_if": getattr(form, "show_if", None),
                "cls": entry["cls"],
                "instance": instance,
            }
        )
    return tabs


def requested_domain(request):
    """The name of the domain a page was opened for (``?domain=``, from a
    domain's page or a list filtered on a domain), when ``request.user``
    administers it; None otherwise.
    """
    from ..models import Domain

    name = (request.GET.get("domain") or "").strip().lower()
    if not name or len(name) > 253:
        return None
    if not Domain.objects.get_for_admin(request.user).filter(name=name).exists():
        return None
    return name
