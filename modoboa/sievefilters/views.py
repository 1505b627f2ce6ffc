"""Pages of the message filters (the connected user's own mailbox only)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import forms, services
from . import rules as rules_module
from .app_settings import APP
from .client import ScriptRejected, SieveError
from .imap import ImapUnavailable

SIDEBAR = "core/_user_menu.html"


def _mailbox(request):
    mailbox = request.user.mailbox_or_none
    if mailbox is None:
        raise PermissionDenied(_("Only accounts with a mailbox have filters."))
    return mailbox


def _context(**extra):
    extra.update({"sidebar_template": SIDEBAR, "section": "sievefilters"})
    return extra


def _index_url(name=None):
    url = reverse("sievefilters:index")
    if name:
        url += "?" + urlencode({"set": name})
    return url


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """The filter sets, the rules of the chosen one, and a creation form."""
    mailbox = _mailbox(request)
    form = forms.FilterSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            name = services.create_filter_set(
                mailbox, form.cleaned_data["name"], activate=form.cleaned_data["active"]
            )
        except (services.FilterError, SieveError) as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Filter set %s created.") % name)
            return redirect(_index_url(name))
    context = _context(form=form, sets=None, script=None, error=None)
    try:
        sets = services.list_filter_sets(mailbox)
    except SieveError as exc:
        context["error"] = str(exc)
        return render(request, "sievefilters/index.html", context, status=503)
    current = request.GET.get("set") or sets.active or (sets.names[0] if sets.names else None)
    if current not in sets.names:
        current = sets.active
    if (
        current
        and "set" not in request.GET
        and request.user.parameters.get_value("editor_mode", app=APP) == "raw"
    ):
        # The user prefers the raw editor (Preferences > Message filters).
        return redirect("sievefilters:raw", name=current)
    context.update(sets=sets, current=current)
    if current:
        try:
            script = services.read_filter_set(mailbox, current)
        except SieveError as exc:
            context["error"] = str(exc)
        else:
            context["script"] = script
            context["rules"] = list(enumerate(script.rules()))
            context["kept_parts"] = script.has_other_commands()
            context["has_away"] = script.away_text() is not None
            context["rename_form"] = forms.RenameForm(initial={"new_name": current})
    return render(request, "sievefilters/index.html", context)


def _set_action(request, name, operation, success):
    mailbox = _mailbox(request)
    try:
        result = operation(mailbox)
    except (services.FilterError, SieveError) as exc:
        messages.error(request, str(exc))
        return redirect(_index_url(name))
    messages.success(request, success)
    return redirect(_index_url(result if isinstance(result, str) else name))


@login_required
@require_POST
def activate(request, name):
    return _set_action(
        request,
        name,
        lambda mailbox: services.activate_filter_set(mailbox, name),
        _("Filter set %s activated.") % name,
    )


@login_required
@require_POST
def delete(request, name):
    try:
        services.delete_filter_set(_mailbox(request), name)
    except (services.FilterError, SieveError) as exc:
        messages.error(request, str(exc))
        return redirect(_index_url(name))
    messages.success(request, _("Filter set %s deleted.") % name)
    return redirect("sievefilters:index")


@login_required
@require_POST
def rename(request, name):
    form = forms.RenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new name."))
        return redirect(_index_url(name))
    new_name = form.cleaned_data["new_name"]
    return _set_action(
        request,
        name,
        lambda mailbox: services.rename_filter_set(mailbox, name, new_name),
        _("Filter set %(old)s renamed to %(new)s.") % {"old": name, "new": new_name.strip()},
    )


@login_required
@require_http_methods(["GET"])
def download(request, name):
    try:
        content = services.get_script(_mailbox(request), name)
    except SieveError as exc:
        messages.error(request, str(exc))
        return redirect("sievefilters:index")
    response = HttpResponse(content, content_type="application/sieve; charset=utf-8")
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in name)
    response["Content-Disposition"] = 'attachment; filename="%s.sieve"' % safe
    return response


@login_required
@require_http_methods(["GET", "POST"])
def raw(request, name):
    """The raw editor: the server validates the script before it is kept."""
    mailbox = _mailbox(request)
    error_line = None
    if request.method == "POST":
        form = forms.RawForm(request.POST)
        if form.is_valid():
            try:
                services.save_raw(mailbox, name, form.cleaned_data["content"])
            except ScriptRejected as exc:
                error_line = exc.line
                form.add_error("content", _("The server refused the script: %s") % exc)
            except (services.FilterError, SieveError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Filter set %s saved.") % name)
                return redirect(_index_url(name))
    else:
        try:
            form = forms.RawForm(initial={"content": services.get_script(mailbox, name)})
        except SieveError as exc:
            messages.error(request, str(exc))
            return redirect("sievefilters:index")
    return render(
        request,
        "sievefilters/raw.html",
        _context(form=form, name=name, error_line=error_line),
    )


def _rule_forms(request, mailbox, data, rule):
    capabilities = services.capabilities(mailbox)
    warning = None
    try:
        folders = services.folders(mailbox)
    except ImapUnavailable as exc:
        folders, warning = [], str(exc)
    if rule is not None:
        folders += [
            action.argument
            for action in rule.actions
            if action.name == "fileinto" and action.argument not in folders
        ]
    if request.method == "POST":
        data = request.POST
    initial = {}
    conditions = actions = None
    if rule is not None:
        initial = {"name": rule.name, "match": rule.match, "enabled": rule.enabled}
        conditions = [forms.ConditionForm.initial_of(c) for c in rule.conditions]
        actions = [forms.ActionForm.initial_of(a) for a in rule.actions]
    form = forms.RuleForm(data, initial=initial or None)
    condition_set = forms.ConditionFormSet(
        data, prefix="conditions", initial=conditions, form_kwargs={"capabilities": capabilities}
    )
    action_set = forms.ActionFormSet(
        data,
        prefix="actions",
        initial=actions,
        form_kwargs={"capabilities": capabilities, "folders": folders},
    )
    return form, condition_set, action_set, warning


@login_required
@require_http_methods(["GET", "POST"])
def rule(request, name, index=None):
    """Create (no index) or edit a rule of the filter set ``name``."""
    mailbox = _mailbox(request)
    try:
        script = services.read_filter_set(mailbox, name)
        existing = None
        if index is not None:
            rules = script.rules()
            if index >= len(rules):
                messages.error(request, _("No such filter."))
                return redirect(_index_url(name))
            existing = rules[index]
        form, condition_set, action_set, warning = _rule_forms(request, mailbox, None, existing)
    except SieveError as exc:
        messages.error(request, str(exc))
        return redirect(_index_url(name))
    if request.method == "POST" and all(
        item.is_valid() for item in (form, condition_set, action_set)
    ):
        built = rules_module.Rule(
            name=form.cleaned_data["name"],
            match=form.cleaned_data["match"],
            enabled=form.cleaned_data["enabled"],
            conditions=[c for c in (f.condition() for f in condition_set) if c],
            actions=[a for a in (f.action_object() for f in action_set) if a],
        )
        if built.match == "always":
            built.conditions = []
        try:
            services.save_rule(mailbox, name, built, index=index)
        except ScriptRejected as exc:
            form.add_error(None, _("The server refused the filter: %s") % exc)
        except (services.FilterError, SieveError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Filter %s saved.") % built.name)
            return redirect(_index_url(name))
    return render(
        request,
        "sievefilters/rule.html",
        _context(
            form=form,
            condition_set=condition_set,
            action_set=action_set,
            name=name,
            index=index,
            warning=warning,
        ),
    )


@login_required
@require_POST
def rule_action(request, name, index, operation):
    """Delete, move up/down, enable or disable rule ``index``."""
    mailbox = _mailbox(request)
    operations = {
        "delete": lambda: services.delete_rule(mailbox, name, index),
        "up": lambda: services.move_rule(mailbox, name, index, -1),
        "down": lambda: services.move_rule(mailbox, name, index, 1),
        "enable": lambda: services.set_rule_enabled(mailbox, name, index, True),
        "disable": lambda: services.set_rule_enabled(mailbox, name, index, False),
    }
    if operation not in operations:
        raise PermissionDenied()
    try:
        operations[operation]()
    except (services.FilterError, SieveError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Filter set %s saved.") % name)
    return redirect(_index_url(name))
