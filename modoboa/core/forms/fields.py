"""Form fields shared by the console's forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ListInput(forms.Widget):
    """Several text inputs sharing one name: a list that grows.

    The form shows the current values, or one empty input when there is
    none: no empty padding. The console's script adds an "Add" button that
    appends an input; without JavaScript, ``spare`` empty inputs (in a
    ``noscript`` element) take its place.
    """

    template_name = "common/widgets/list_input.html"

    def __init__(self, attrs=None, spare=1, input_type="text"):
        super().__init__(attrs)
        self.spare = spare
        self.input_type = input_type

    def format_value(self, value):
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value if item not in (None, "")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = self.format_value(value)
        context["widget"]["values"] = values or [""]
        shown = len(context["widget"]["values"])
        context["widget"]["spares"] = [shown + index for index in range(self.spare)]
        context["widget"]["input_type"] = self.input_type
        context["widget"]["add_label"] = context["widget"]["attrs"].get("data-add-label", "")
        return context

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        if getter is not None:
            return getter(name)
        value = data.get(name)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_):
        return "%s_0" % id_ if id_ else id_


class ListField(forms.Field):
    """A list of stripped, non-empty strings (order kept, duplicates
    dropped), each checked by ``item_validators``.
    """

    widget = ListInput
    default_error_messages = {"max_items": _("Too many values (%(max)d at most).")}

    def __init__(self, *args, item_validators=(), lower=True, max_items=1000, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.item_validators = list(item_validators)
        self.lower = lower
        self.max_items = max_items

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        result = []
        for item in value:
            item = (item or "").strip()
            if self.lower:
                item = item.lower()
            if item and item not in result:
                result.append(item)
        return result

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise forms.ValidationError(
                self.error_messages["max_items"], code="max_items", params={"max": self.max_items}
            )
        errors = []
        for item in value:
            for validator in self.item_validators:
                try:
                    validator(item)
                except forms.ValidationError as exc:
                    errors.extend("%s: %s" % (item, message) for message in exc.messages)
        if errors:
            raise forms.ValidationError(errors)
