"""Declaration of the contacts extension."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from modoboa.core import signals as core_signals
from modoboa.core.extensions import ModoExtension, exts_pool


def menu_entries(sender, location, user, **kwargs):
    if location != "top_menu" or user.mailbox_or_none is None:
        return []
    return [
        {
            "name": "contacts",
            "label": gettext_lazy("Contacts"),
            "url": reverse("modoboa_contacts:contact_list"),
            "icon": "person-lines-fill",
        }
    ]


def address_book_search(sender, user, query, limit, **kwargs):
    """The recipient completion of the webmail asks the address book."""
    from . import services

    return services.search_addresses(user, query, limit)


class Contacts(ModoExtension):
    """Address books stored in Radicale over CardDAV."""

    name = "modoboa_contacts"
    label = gettext_lazy("Contacts")
    version = "1.10"
    description = gettext_lazy("Address book")
    url = "contacts"

    def load(self):
        core_signals.extra_admin_menu_entries.connect(
            menu_entries, dispatch_uid="contacts_menu_entries"
        )
        core_signals.address_book_search.connect(
            address_book_search, dispatch_uid="contacts_address_book_search"
        )


exts_pool.register_extension(Contacts)
