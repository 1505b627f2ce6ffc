"""Serializers of the address book endpoints."""

from rest_framework import serializers

from ..models import EMAIL_TYPES, PHONE_TYPES, Category


class CategorySerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the category.")
    name = serializers.CharField(max_length=50, help_text="Name of the category (no comma).")

    class Meta:
        model = Category
        fields = ("pk", "name")


class EmailSerializer(serializers.Serializer):
    address = serializers.EmailField(help_text="An email address of the contact.")
    type = serializers.ChoiceField(
        choices=EMAIL_TYPES, default="home", help_text="home, work or other."
    )


class PhoneSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="A phone number of the contact.")
    type = serializers.ChoiceField(
        choices=PHONE_TYPES,
        default="cellular",
        help_text="home, work, other, main, cellular, fax or pager.",
    )


def _text(max_length, help_text):
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", help_text=help_text
    )


class ContactSerializer(serializers.Serializer):
    pk = serializers.IntegerField(read_only=True, help_text="Identifier of the contact.")
    uid = serializers.CharField(read_only=True, help_text="UID of the vCard on the server.")
    first_name = _text(30, "First name.")
    last_name = _text(30, "Last name.")
    display_name = _text(60, "Name shown (first and last name when empty).")
    company = _text(100, "Company.")
    position = _text(200, "Position in the company.")
    address = _text(200, "Street address.")
    zipcode = _text(15, "Zip code.")
    city = _text(100, "City.")
    state = _text(100, "State or region.")
    country = _text(100, "Country.")
    note = _text(10000, "Free text.")
    birth_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Birth date (YYYY-MM-DD)."
    )
    emails = EmailSerializer(many=True, required=False, default=list, help_text="Addresses.")
    phone_numbers = PhoneSerializer(
        many=True, required=False, default=list, help_text="Phone numbers."
    )
    categories = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=100,
        help_text="Identifiers of the caller's categories.",
    )

    def to_representation(self, contact):
        data = {
            name: getattr(contact, name)
            for name in (
                "pk",
                "uid",
                "first_name",
                "last_name",
                "display_name",
                "company",
                "position",
                "address",
                "zipcode",
                "city",
                "state",
                "country",
                "note",
            )
        }
        data["birth_date"] = contact.birth_date.isoformat() if contact.birth_date else None
        data["emails"] = [{"address": e.address, "type": e.type} for e in contact.emails.all()]
        data["phone_numbers"] = [
            {"number": p.number, "type": p.type} for p in contact.phone_numbers.all()
        ]
        data["categories"] = [c.pk for c in contact.categories.all()]
        return data

    def service_values(self):
        data = dict(self.validated_data)
        data["emails"] = [(e["address"], e["type"]) for e in data.pop("emails", [])]
        data["phones"] = [(p["number"], p["type"]) for p in data.pop("phone_numbers", [])]
        return data
