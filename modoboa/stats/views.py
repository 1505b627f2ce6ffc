"""Console pages: the Statistics page, its pictures and the Message log."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from modoboa.lib.exceptions import BadRequest, PermDeniedException
from modoboa.lib.views import admin_required

from . import app_settings, forms, services, svg

PAGE_SIZE = 50
MAX_SCOPES = 500


def _scope_label(scope):
    return scope or _("Global")


@admin_required
@require_GET
def index(request):
    """The graphs of one scope over one period."""
    user = request.user
    form = forms.PeriodForm(request.GET or None)
    choices = services.scopes(user, limit=MAX_SCOPES)
    scope, period, start, end = (choices[0] if choices else ""), "day", None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        scope = data["scope"] if data["scope"] else scope
        period, start, end = data["period"], data.get("start"), data.get("end")
    graphs, status = [], 200
    if choices or user.is_superuser:
        try:
            scope = services.check_scope(user, scope or ("global" if user.is_superuser else ""))
        except PermDeniedException as exc:
            raise PermissionDenied(exc.message) from None
        query = {"scope": scope or "global", "period": period}
        if period == "custom" and start and end:
            query.update(start=start.isoformat(), end=end.isoformat())
        names = ["traffic", "size"] + (["accounts"] if user.is_superuser else [])
        graphs = [
            "%s?%s" % (reverse("stats:graph"), urlencode(dict(query, graph=name)))
            for name in names
        ]
    if form.is_bound and not form.is_valid():
        status = 400
    return render(
        request,
        "stats/index.html",
        {
            "form": form,
            "scopes": [(value or "global", _scope_label(value)) for value in choices],
            "scope": scope or "global",
            "period": period,
            "periods": forms.PERIOD_CHOICES,
            "graphs": graphs,
            "title": _scope_label(scope),
        },
        status=status,
    )


def _svg(document):
    response = HttpResponse(document, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=60"
    return response


@admin_required
@require_GET
def graph(request):
    """One picture: ``traffic`` (messages), ``size`` (bytes) or
    ``accounts`` (new accounts, super administrators).
    """
    form = forms.GraphForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(
            "%s: %s" % (field, " ".join(messages)) for field, messages in form.errors.items()
        )
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    try:
        if data["graph"] == "accounts":
            result = services.account_series(
                request.user, data["period"], data.get("start"), data.get("end")
            )
            curves = [("new_accounts", _("New accounts"), "new_accounts")]
            title = _("Account creation")
            unit = _("accounts")
        else:
            result = services.series(
                request.user, data["scope"], data["period"], data.get("start"), data.get("end")
            )
            label = _scope_label("" if result["scope"] == "global" else result["scope"])
            if data["graph"] == "traffic":
                curves = [
                    ("sent", _("sent"), "sent"),
                    ("recv", _("received"), "recv"),
                    ("bounced", _("bounced"), "bounced"),
                    ("reject", _("rejected"), "reject"),
                    ("virus", _("virus"), "virus"),
                    ("spam", _("spam"), "spam"),
                ]
                if app_settings.parameter("greylist"):
                    curves.append(("greylist", _("greylisted"), "greylist"))
                title = _("Mail traffic: %s") % label
                unit = _("messages")
            else:
                curves = [
                    ("size_recv", _("received"), "size_recv"),
                    ("size_sent", _("sent"), "size_sent"),
                ]
                title = _("Traffic size: %s") % label
                unit = _("bytes")
    except PermDeniedException as exc:
        raise PermissionDenied(exc.message) from None
    except BadRequest as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    points = result["points"]
    document = svg.line_chart(
        title,
        [point["time"] for point in points],
        [(name, label, [point[key] for point in points]) for name, label, key in curves],
        result["step"],
        y_label=_("%(unit)s per %(minutes)d min")
        % {"unit": unit, "minutes": result["step"] // 60},
    )
    return _svg(document)


@login_required
@require_GET
def maillog(request):
    """The message log: what the user may see, newest first."""
    form = forms.MaillogSearchForm(request.GET)
    rows, has_next, page, status = [], False, 1, 200
    if form.is_valid():
        page = form.cleaned_data.get("page") or 1
        try:
            queryset = services.search_messages(request.user, **form.filters())
        except BadRequest as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 400
        else:
            rows, has_next = services.page_of(queryset, page, PAGE_SIZE)
    else:
        status = 400
    params = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "stats/maillog.html",
        {
            "form": form,
            "rows": [(row, forms.status_label(row.status)) for row in rows],
            "page": page,
            "previous_url": "?" + urlencode(dict(params, page=page - 1)) if page > 1 else None,
            "next_url": "?" + urlencode(dict(params, page=page + 1)) if has_next else None,
        },
        status=status,
    )
