"""Base classes of the parameter forms that applications register."""

from django import forms

from . import tools


class SeparatorField(forms.Field):
    """A heading inside a parameter form; it stores nothing."""

    widget = forms.HiddenInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)


class YesNoField(forms.BooleanField):
    """A boolean parameter shown as a switch."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)


class ParametersForm(forms.Form):
    """Common behaviour of global and user parameter forms.

    ``visibility_rules`` maps a field name to ``"other_field=value"``: the
    field is shown only when the other field has that value (several
    conditions are separated by ``" & "``). Hidden fields keep their stored
    value and are not validated.
    """

    app = None
    level = None
    visibility_rules = {}

    def __init__(self, *args, **kwargs):
        self.user = kwargs.pop("user", None)
        self.instance_values = kwargs.pop("load_values", None)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            values = self.instance_values
            if values is None:
                values = self.get_current_values()
            for name, value in values.items():
                if name in self.fields:
                    self.initial[name] = value

    @classmethod
    def declared_defaults(cls):
        """Return ``{name: initial}`` for every stored field."""
        defaults = {}
        for name, field in cls.base_fields.items():
            if isinstance(field, SeparatorField):
                continue
            initial = field.initial
            if callable(initial):
                initial = initial()
            defaults[name] = initial
        return defaults

    @property
    def separators(self):
        return [name for name, field in self.fields.items() if isinstance(field, SeparatorField)]

    def is_field_visible(self, name, data=None):
        """Evaluate the visibility rule of ``name`` against ``data``."""
        rule = self.visibility_rules.get(name)
        if not rule:
            return True
        data = data if data is not None else self._current_data()
        for condition in rule.split("&"):
            other, _sep, expected = condition.strip().partition("=")
            value = data.get(other.strip())
            if isinstance(value, bool):
                value = "True" if value else "False"
            if str(value) != expected.strip():
                return False
        return True

    def _current_data(self):
        data = {}
        for name, field in self.fields.items():
            if self.is_bound:
                value = field.widget.value_from_datadict(
                    self.data, self.files, self.add_prefix(name)
                )
                try:
                    data[name] = field.clean(value)
                except forms.ValidationError:
                    data[name] = value
            else:
                data[name] = self.initial.get(name, field.initial)
        return data

    def visibility_rules_json(self):
        """Rules with prefixed field names, for the console's script."""
        return {
            self.add_prefix(name): [
                {
                    "field": self.add_prefix(cond.split("=")[0].strip()),
                    "value": cond.split("=", 1)[1].strip(),
                }
                for cond in rule.split("&")
            ]
            for name, rule in self.visibility_rules.items()
        }

    def full_clean(self):
        # Hidden fields are not validated: they keep their stored value.
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        current = self.get_current_values()
        for name in list(self.errors.keys()):
            if name in self.fields and not self.is_field_visible(name):
                del self.errors[name]
                self.cleaned_data[name] = current.get(name)

    def get_current_values(self):
        raise NotImplementedError

    def to_store(self):
        """Return the values to save (separators excluded)."""
        current = self.get_current_values()
        values = {}
        for name, field in self.fields.items():
            if isinstance(field, SeparatorField):
                continue
            if not self.is_field_visible(name, self.cleaned_data):
                values[name] = current.get(name, field.initial)
                continue
            values[name] = self.cleaned_data.get(name)
        return values


class AdminParametersForm(ParametersForm):
    """A form of global (instance-wide) parameters."""

    level = "global"

    def get_current_values(self):
        return tools.get_localconfig().parameters.get_values(self.app)

    def save(self):
        values = self.to_store()
        tools.get_localconfig().parameters.set_values(values, app=self.app)
        self.after_save(values)
        return values

    def after_save(self, values):
        """Hook called once the values are stored."""

    @classmethod
    def has_access(cls, user):
        return user.is_superuser


class UserParametersForm(ParametersForm):
    """A form of per-user preferences."""

    level = "user"

    def get_current_values(self):
        return self.user.parameters.get_values(self.app)

    def save(self):
        values = self.to_store()
        self.user.parameters.set_values(values, app=self.app)
        return values
