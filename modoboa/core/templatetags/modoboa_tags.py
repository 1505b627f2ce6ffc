"""Template helpers of the console: form fields, menus, lists, bars."""

from django import forms, template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from modoboa.core import signals as core_signals

register = template.Library()


def _widget_class(widget):
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, (forms.Select, forms.SelectMultiple)) and not isinstance(
        widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
    ):
        return "form-select"
    return "form-control"


@register.inclusion_tag("common/field.html")
def field_group(bound_field, **options):
    """Render a labelled field with its help text and errors (Bootstrap
    markup, ``aria-describedby`` and ``aria-invalid`` set).
    """
    widget = bound_field.field.widget
    auto_id = bound_field.auto_id or bound_field.html_name
    described = []
    help_id = "%s_helptext" % auto_id
    error_id = "%s_error" % auto_id
    if bound_field.help_text:
        described.append(help_id)
    if bound_field.errors:
        described.append(error_id)
    css = _widget_class(widget)
    if bound_field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    kind = "input"
    choices = []
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        kind = "choices"
        for sub in bound_field.subwidgets:
            sub.data["attrs"] = dict(sub.data["attrs"], **{"class": "form-check-input"})
            choices.append(
                {
                    "tag": sub.tag(wrap_label=False),
                    "label": sub.choice_label,
                    "id": sub.id_for_label,
                }
            )
    elif isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
    elif isinstance(widget, forms.HiddenInput):
        kind = "hidden"
    return {
        "field": bound_field,
        "kind": kind,
        "widget_html": bound_field.as_widget(attrs=attrs) if kind != "choices" else "",
        "choices": choices,
        "help_id": help_id,
        "error_id": error_id,
        "hide_label": options.get("hide_label", False),
        "show_if": getattr(bound_field.field, "show_if", None),
        "inline": options.get("inline", False),
    }


@register.inclusion_tag("common/sort_header.html")
def sort_header(listing, key, label, css=""):
    return {
        "link": listing.sort_link(key),
        "state": listing.sort_state(key),
        "label": label,
        "css": css,
    }


@register.inclusion_tag("common/pagination.html")
def pagination(listing):
    return {"listing": listing}


@register.simple_tag
def page_link(listing, number):
    return listing.page_link(number)


@register.simple_tag
def query_string(listing, **overrides):
    return listing.query_string(**overrides)


@register.inclusion_tag("common/progress.html")
def progress_bar(percent, label="", warn=80, danger=95):
    """An accessible usage bar; colour changes at ``warn``/``danger`` %."""
    try:
        percent = max(0, min(100, int(percent)))
    except (TypeError, ValueError):
        percent = 0
    level = "success"
    if percent >= danger:
        level = "danger"
    elif percent >= warn:
        level = "warning"
    return {"percent": percent, "label": label, "level": level}


@register.filter
def megabytes(value):
    """Bytes to whole megabytes."""
    try:
        return int(value or 0) // 1048576
    except (TypeError, ValueError):
        return 0


def _signal_entries(signal, **kwargs):
    entries = []
    for _receiver, result in signal.send(sender=None, **kwargs):
        entries.extend(result or [])
    return entries


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The entries of the top menu for the current user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    entries = []

    def url(name):
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    if user.is_admin:
        entries.append(
            {
                "name": "dashboard",
                "label": _("Dashboard"),
                "url": url("core:dashboard"),
                "icon": "speedometer2",
            }
        )
    if user.has_perm("admin.view_domains"):
        entries.append(
            {
                "name": "domains",
                "label": _("Domains"),
                "url": url("admin:domain_list"),
                "icon": "globe2",
            }
        )
    if user.has_perm("core.add_user") or user.has_perm("admin.add_alias"):
        entries.append(
            {
                "name": "identities",
                "label": _("Identities"),
                "url": url("admin:identity_list"),
                "icon": "people",
            }
        )
    if user.is_superuser:
        entries.append(
            {
                "name": "settings",
                "label": _("System settings"),
                "url": url("core:index"),
                "icon": "gear",
            }
        )
    entries += _signal_entries(
        core_signals.extra_admin_menu_entries, location="top_menu", user=user
    )
    entries = [entry for entry in entries if entry.get("url")]
    for entry in entries:
        entry["active"] = (
            bool(entry.get("url")) and path.startswith(entry["url"]) and (entry["url"] != "/")
        )
    # The most specific match wins (/admin/ vs /admin/identities/).
    actives = [e for e in entries if e["active"]]
    if len(actives) > 1:
        best = max(actives, key=lambda e: len(e["url"]))
        for entry in actives:
            entry["active"] = entry is best
    return entries


@register.simple_tag(takes_context=True)
def user_menu(context, location="options_menu"):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return _signal_entries(core_signals.extra_user_menu_entries, location=location, user=user)


@register.simple_tag
def announcements(location):
    result = []
    for _receiver, value in core_signals.get_announcements.send(sender=None, location=location):
        if value:
            result.extend(value if isinstance(value, (list, tuple)) else [value])
    return result


@register.filter
def bound(form, name):
    """``form[name]`` for a name held in a variable."""
    return form[name]


@register.filter
def is_separator(bound_field):
    from modoboa.parameters.forms import SeparatorField

    return isinstance(bound_field.field, SeparatorField)


@register.simple_tag
def visibility_rules(form):
    """The form's visibility rules, for ``json_script``."""
    method = getattr(form, "visibility_rules_json", None)
    return method() if method else {}
