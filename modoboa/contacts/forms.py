"""Forms of the address book pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EMAIL_TYPES, PHONE_TYPES


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=30, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=30, required=False)
    display_name = forms.CharField(label=_("Display name"), max_length=60, required=False)
    company = forms.CharField(label=_("Company"), max_length=100, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    zipcode = forms.CharField(label=_("Zip code"), max_length=15, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    categories = forms.MultipleChoiceField(label=_("Categories"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(str(c.pk), c.name) for c in categories]


class EmailForm(forms.Form):
    address = forms.EmailField(label=_("Email address"), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=EMAIL_TYPES, initial="home")


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=PHONE_TYPES, initial="cellular")


EmailFormSet = forms.formset_factory(EmailForm, extra=2, max_num=50, absolute_max=50)
PhoneFormSet = forms.formset_factory(PhoneForm, extra=2, max_num=50, absolute_max=50)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("vCard file (.vcf)"))
