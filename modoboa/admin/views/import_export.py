"""CSV import and export pages for domains and identities.

The CSV engine lives in ``modoboa.admin.csv_import`` and
``modoboa.admin.csv_export``; these views only collect the options, run it
as the connected user and report what happened line by line.
"""

import importlib
import inspect

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from modoboa.lib.exceptions import ModoboaException
from modoboa.lib.views import perm_required

from ..forms.import_export import ExportForm, ImportForm, ImportIdentitiesForm
from ..services import import_jobs
from . import domains as domain_views
from . import identities as identity_views


def _engine(name):
    try:
        return importlib.import_module("modoboa.admin.%s" % name)
    except ImportError:
        return None


def _result_summary(result):
    """Normalise the engine's result for the template."""

    def value(name, default=0):
        if isinstance(result, dict):
            return result.get(name, default)
        return getattr(result, name, default)

    errors = []
    for error in value("errors", []) or []:
        if isinstance(error, dict):
            errors.append(error)
        else:
            errors.append(
                {
                    "line": getattr(error, "line", getattr(error, "lineno", "")),
                    "field": getattr(error, "field", ""),
                    "message": getattr(error, "message", str(error)),
                }
            )
    return {
        "created": value("created"),
        "skipped": value("skipped"),
        "failed": value("failed"),
        "errors": errors,
        "rolled_back": bool(value("rolled_back", False)),
    }


def _run_import(request, form_class, section, sidebar, template, section_kind):
    form = form_class(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    result = None
    error = None
    status = 200
    engine = _engine("csv_import")
    if request.method == "POST" and form.is_valid():
        if engine is None:
            error = _("The import engine is not available.")
            status = 503
        else:
            options = {
                "acting_user": request.user,
                "sepchar": form.cleaned_data["sepchar"],
                "continue_if_exists": form.cleaned_data["continue_if_exists"],
            }
            if "crypt_password" in form.cleaned_data:
                options["crypt_passwords"] = form.cleaned_data["crypt_password"]
            try:
                text, filename = engine.read_source(form.cleaned_data["sourcefile"])
                total = import_jobs.count_rows(text, options["sepchar"])
                if total > import_jobs.sync_limit():
                    job = import_jobs.submit(
                        acting_user=request.user,
                        kind=section_kind,
                        text=text,
                        filename=filename,
                        options={k: v for k, v in options.items() if k != "acting_user"},
                    )
                    return redirect("admin:import_job", pk=job.pk)
                result = _result_summary(engine.import_csv(text, filename=filename, **options))
            except ModoboaException as exc:
                error = exc.message
                status = exc.http_code
            except (UnicodeDecodeError, ValueError) as exc:
                error = _("The file could not be read: %s") % exc
                status = 400
            if result and result["failed"]:
                status = 400
    elif request.method == "POST":
        status = 400
    context = sidebar(request, section)
    context.update({"form": form, "result": result, "error": error})
    return render(request, template, context, status=status)


@perm_required("admin.add_domain")
@require_http_methods(["GET", "POST"])
def domain_import(request):
    return _run_import(
        request,
        ImportForm,
        "import",
        domain_views._sidebar_context,
        "admin/domain_import.html",
        "domains",
    )


@perm_required("core.add_user", "admin.add_alias", any_of=True)
@require_http_methods(["GET", "POST"])
def identity_import(request):
    return _run_import(
        request,
        ImportIdentitiesForm,
        "import",
        identity_views.sidebar_context,
        "admin/identity_import.html",
        "identities",
    )


@login_required
@require_http_methods(["GET"])
def import_job(request, pk):
    """A queued import: its progress while it runs, then its result."""
    try:
        job = import_jobs.get_job(request.user, pk)
    except ModoboaException as exc:
        raise Http404(exc.message) from None
    done, total = import_jobs.progress(job)
    sidebar = (
        identity_views.sidebar_context
        if job.kind == "identities"
        else domain_views._sidebar_context
    )
    context = sidebar(request, "import")
    context.update({"job": job, "done": done, "total": total, "result": None})
    if job.status == job.DONE:
        context["result"] = _result_summary(
            {
                "created": job.created,
                "skipped": job.skipped,
                "failed": job.failed,
                "errors": job.errors,
                "rolled_back": job.rolled_back,
            }
        )
    return render(request, "admin/import_job.html", context)


def _call_export(function, sepchar, **querysets):
    """Pass the querysets the export function accepts (by name)."""
    parameters = inspect.signature(function).parameters
    kwargs = {name: qs for name, qs in querysets.items() if name in parameters}
    if "sepchar" in parameters:
        kwargs["sepchar"] = sepchar
    return function(**kwargs)


def _download(chunks, filename):
    if isinstance(chunks, str):
        chunks = [chunks]
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="%s"' % filename
    return response


def _run_export(request, default_filename, section, sidebar, template, produce):
    form = ExportForm(
        request.POST if request.method == "POST" else None, default_filename=default_filename
    )
    engine = _engine("csv_export")
    if request.method == "POST" and form.is_valid():
        if engine is not None:
            return _download(
                produce(engine, form.cleaned_data["sepchar"]), form.cleaned_data["filename"]
            )
    context = sidebar(request, section)
    context.update({"form": form, "engine_missing": engine is None and request.method == "POST"})
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@perm_required("admin.add_domain")
@require_http_methods(["GET", "POST"])
def domain_export(request):
    """Export the domains of the last listing (its filters are kept in the
    session), limited to what the user reaches.
    """
    filters = request.session.get(domain_views.FILTERS_SESSION_KEY, {})

    def produce(engine, sepchar):
        domains = domain_views.filtered_domains(request.user, filters).order_by("name")
        return _call_export(engine.export_domains, sepchar, queryset=domains, domains=domains)

    return _run_export(
        request,
        "modoboa-domains.csv",
        "export",
        domain_views._sidebar_context,
        "admin/domain_export.html",
        produce,
    )


@perm_required("core.add_user", "admin.add_alias", any_of=True)
@require_http_methods(["GET", "POST"])
def identity_export(request):
    filters = request.session.get(identity_views.FILTERS_SESSION_KEY, {})

    def produce(engine, sepchar):
        kind = filters.get("idtfilter")
        accounts = identity_views.filtered_accounts(request.user, filters).order_by("username")
        aliases = identity_views.filtered_aliases(request.user, filters).order_by("address")
        if kind == "alias":
            accounts = accounts.none()
        if kind == "account" or filters.get("grpfilter"):
            aliases = aliases.none()
        return _call_export(
            engine.export_identities,
            sepchar,
            queryset=accounts,
            accounts=accounts,
            users=accounts,
            aliases=aliases,
            alias_queryset=aliases,
        )

    return _run_export(
        request,
        "modoboa-identities.csv",
        "export",
        identity_views.sidebar_context,
        "admin/identity_export.html",
        produce,
    )
