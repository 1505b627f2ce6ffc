"""Address book pages: list (synchronised with the server at each visit),
contact form, categories, vCard import and export.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from modoboa.lib.exceptions import ModoboaException, NotFound

from . import carddav, services
from .forms import CategoryForm, ContactForm, EmailFormSet, ImportForm, PhoneFormSet
from .models import Category

PAGE_SIZE = 50


def _require_mailbox(request):
    if request.user.mailbox_or_none is None:
        raise PermissionDenied(_("Address books belong to mailboxes."))


def _sync(request):
    try:
        result = services.sync(request.user)
    except carddav.CardDAVError as exc:
        messages.warning(
            request, _("%s The contacts shown may be out of date.") % exc, fail_silently=True
        )
        return
    if result.unreadable:
        messages.warning(
            request,
            _("%d cards of the server could not be read and are not shown.")
            % len(result.unreadable),
            fail_silently=True,
        )


@login_required
@require_GET
def contact_list(request):
    _require_mailbox(request)
    _sync(request)
    category = None
    if request.GET.get("category", "").isdigit():
        category = services.categories_for(request.user).filter(pk=request.GET["category"]).first()
    query = request.GET.get("q", "")[:100]
    contacts = services.contacts_for(request.user, query=query, category=category)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "category": category,
        "categories": services.categories_for(request.user),
        "category_form": CategoryForm(),
        "import_form": ImportForm(),
    }
    return render(request, "contacts/contact_list.html", context)


def _contact(request, pk):
    try:
        return services.get_contact(request.user, pk)
    except NotFound:
        raise Http404(_("No such contact")) from None


def _initial(contact):
    data = services.data_of(contact)
    initial = {name: data[name] for name in ContactForm.base_fields if name != "categories"}
    initial["categories"] = [str(c.pk) for c in contact.categories.all()]
    emails = [{"address": a, "type": t} for a, t in data["emails"]]
    phones = [{"number": n, "type": t} for n, t in data["phones"]]
    return initial, emails, phones


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request, pk=None):
    _require_mailbox(request)
    contact = _contact(request, pk) if pk is not None else None
    categories = list(services.categories_for(request.user))
    if request.method == "POST":
        form = ContactForm(request.POST, categories=categories)
        emails = EmailFormSet(request.POST, prefix="emails")
        phones = PhoneFormSet(request.POST, prefix="phones")
    else:
        initial, email_rows, phone_rows = _initial(contact) if contact else ({}, [], [])
        form = ContactForm(initial=initial, categories=categories)
        emails = EmailFormSet(initial=email_rows, prefix="emails")
        phones = PhoneFormSet(initial=phone_rows, prefix="phones")
    status = 200
    if request.method == "POST":
        if form.is_valid() and emails.is_valid() and phones.is_valid():
            values = dict(form.cleaned_data)
            values["categories"] = [int(pk) for pk in values["categories"]]
            values["emails"] = [
                (row["address"], row["type"]) for row in emails.cleaned_data if row.get("address")
            ]
            values["phones"] = [
                (row["number"], row["type"]) for row in phones.cleaned_data if row.get("number")
            ]
            try:
                if contact is None:
                    contact = services.create_contact(request.user, values)
                else:
                    contact = services.update_contact(request.user, contact, values)
            except ModoboaException as exc:
                if getattr(exc, "field", None) in form.fields:
                    form.add_error(exc.field, str(exc))
                else:
                    form.add_error(None, str(exc))
            else:
                messages.success(request, _("Contact %s saved") % contact.display_name)
                return redirect("modoboa_contacts:contact_list")
        status = 400
    context = {"form": form, "emails": emails, "phones": phones, "contact": contact}
    return render(request, "contacts/contact_form.html", context, status=status)


@login_required
@require_POST
def contact_delete(request, pk):
    _require_mailbox(request)
    contact = _contact(request, pk)
    name = contact.display_name
    try:
        services.delete_contact(request.user, contact)
    except ModoboaException as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Contact %s deleted") % name)
    return redirect("modoboa_contacts:contact_list")


@login_required
@require_POST
def category_create(request):
    _require_mailbox(request)
    form = CategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A category name has 1 to 50 characters, without comma."))
        return redirect("modoboa_contacts:contact_list")
    try:
        category = services.create_category(request.user, form.cleaned_data["name"])
    except ModoboaException as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Category %s created") % category.name)
    return redirect("modoboa_contacts:contact_list")


@login_required
@require_POST
def category_delete(request, pk):
    _require_mailbox(request)
    category = Category.objects.filter(user=request.user, pk=pk).first()
    if category is None:
        raise Http404(_("No such category"))
    try:
        services.delete_category(request.user, category)
    except ModoboaException as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Category %s deleted") % category.name)
    return redirect("modoboa_contacts:contact_list")


@login_required
@require_POST
def contact_import(request):
    _require_mailbox(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a vCard file to import."))
        return redirect("modoboa_contacts:contact_list")
    upload = form.cleaned_data["file"]
    from .vcard import MAX_FILE_BYTES

    content = upload.read(MAX_FILE_BYTES + 1)
    try:
        count = services.import_vcards(request.user, content)
    except ModoboaException as exc:
        messages.error(request, _("Nothing was imported. %s") % exc)
    else:
        messages.success(request, _("%d contacts imported") % count)
    return redirect("modoboa_contacts:contact_list")


@login_required
@require_GET
def contact_export(request):
    _require_mailbox(request)
    try:
        text = services.export_vcards(request.user)
    except ModoboaException as exc:
        messages.error(request, str(exc))
        return redirect("modoboa_contacts:contact_list")
    response = HttpResponse(text, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return response
