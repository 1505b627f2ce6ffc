"""1.10's address book tables (modoboa-contacts), a cache of Radicale.

The address book itself lives on the Radicale server; these rows are what
the console lists and searches, refreshed from the server by a sync
(``services.sync``) and written through to it on every change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

EMAIL_TYPES = (("home", _("Home")), ("work", _("Work")), ("other", _("Other")))
PHONE_TYPES = (
    ("home", _("Home")),
    ("work", _("Work")),
    ("other", _("Other")),
    ("main", _("Main")),
    ("cellular", _("Cellular")),
    ("fax", _("Fax")),
    ("pager", _("Pager")),
)


class AddressBook(models.Model):
    """The personal address book of a mailbox's owner."""

    name = models.CharField(_("name"), max_length=50)
    sync_token = models.TextField(blank=True, null=True)
    last_sync = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey("core.User", on_delete=models.CASCADE)
    path = models.CharField(max_length=200, db_column="_path")

    class Meta:
        db_table = "modoboa_contacts_addressbook"

    def __str__(self):
        return self.name


class Category(models.Model):
    """A label the owner puts on contacts."""

    user = models.ForeignKey("core.User", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        db_table = "modoboa_contacts_category"
        indexes = [models.Index(fields=["user", "name"], name="contacts_category_user_name")]

    def __str__(self):
        return self.name


class Contact(models.Model):
    """A vCard of the address book (``href`` on the server)."""

    addressbook = models.ForeignKey(AddressBook, on_delete=models.CASCADE)
    first_name = models.CharField(_("first name"), max_length=30, blank=True)
    last_name = models.CharField(_("last name"), max_length=30, blank=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    company = models.CharField(_("company"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    zipcode = models.CharField(_("zip code"), max_length=15, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    categories = models.ManyToManyField(Category, blank=True)
    uid = models.CharField(max_length=100, db_index=True)
    etag = models.CharField(max_length=100, blank=True, null=True)
    href = models.CharField(max_length=255, blank=True)

    class Meta:
        db_table = "modoboa_contacts_contact"
        indexes = [
            models.Index(
                fields=["addressbook", "display_name"], name="contacts_contact_book_name"
            ),
        ]

    def __str__(self):
        return self.display_name


class EmailAddress(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("address"))
    type = models.CharField(_("type"), max_length=20, choices=EMAIL_TYPES, default="home")

    class Meta:
        db_table = "modoboa_contacts_emailaddress"
        indexes = [models.Index(fields=["address"], name="contacts_email_address")]

    def __str__(self):
        return self.address


class PhoneNumber(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phone_numbers")
    number = models.CharField(_("number"), max_length=40)
    type = models.CharField(_("type"), max_length=20, choices=PHONE_TYPES, default="home")

    class Meta:
        db_table = "modoboa_contacts_phonenumber"

    def __str__(self):
        return self.number
