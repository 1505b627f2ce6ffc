"""Forms of the filters pages: filter sets, the rule editor, the raw editor."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules

FIELD_CHOICES = (
    ("Subject", _("Subject")),
    ("From", _("From")),
    ("To", _("To")),
    ("Cc", _("Cc")),
    ("List-Id", _("List-Id")),
    ("header", _("Other header")),
    ("body", _("Body")),
    ("size", _("Size")),
)
OPERATOR_CHOICES = (
    ("contains", _("contains")),
    ("notcontains", _("does not contain")),
    ("is", _("is")),
    ("notis", _("is not")),
    ("matches", _("matches (* and ?)")),
    ("notmatches", _("does not match")),
    ("over", _("is greater than")),
    ("under", _("is less than")),
)
PART_CHOICES = (
    ("all", _("whole header")),
    ("localpart", _("address local part")),
    ("domain", _("address domain")),
)
ACTION_CHOICES = (
    ("fileinto", _("Move message to")),
    ("fileinto_copy", _("Copy message to")),
    ("redirect", _("Redirect message to")),
    ("redirect_copy", _("Send a copy to")),
    ("reject", _("Reject message with")),
    ("discard", _("Discard message")),
    ("flag", _("Flag message")),
    ("stop", _("Stop processing rules")),
)
# Sieve extension each choice needs; a choice is offered when the server
# advertises it.
ACTION_NEEDS = {
    "fileinto": {"fileinto"},
    "fileinto_copy": {"fileinto", "copy"},
    "redirect_copy": {"copy"},
    "reject": {"reject"},
    "flag": {"imap4flags"},
}
FIELD_NEEDS = {"body": {"body"}}
MATCH_CHOICES = (
    ("all", _("All of the following conditions")),
    ("any", _("Any of the following conditions")),
    ("always", _("All messages")),
)


class FilterSetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Activate it"), required=False)


class RenameForm(forms.Form):
    new_name = forms.CharField(label=_("New name"), max_length=100)


class RawForm(forms.Form):
    content = forms.CharField(
        label=_("Script"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 20, "spellcheck": "false", "class": "font-monospace"}
        ),
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=rules.MAX_NAME_LENGTH)
    match = forms.ChoiceField(label=_("Apply to"), choices=MATCH_CHOICES, initial="all")
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def clean_name(self):
        try:
            return rules.check_name(self.cleaned_data["name"])
        except rules.RuleError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=FIELD_CHOICES, required=False)
    header = forms.CharField(label=_("Header name"), max_length=100, required=False)
    part = forms.ChoiceField(label=_("Part"), choices=PART_CHOICES, initial="all", required=False)
    operator = forms.ChoiceField(label=_("Operator"), choices=OPERATOR_CHOICES, required=False)
    value = forms.CharField(label=_("Value"), max_length=1000, required=False, strip=False)

    def __init__(self, *args, capabilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "---")] + [
            choice
            for choice in FIELD_CHOICES
            if FIELD_NEEDS.get(choice[0], set()) <= set(capabilities)
        ]

    def clean(self):
        data = super().clean()
        field = data.get("field")
        if not field:
            return data
        if field == "header":
            name = (data.get("header") or "").strip()
            if not name or any(ord(char) <= 32 or ord(char) > 126 or char == ":" for char in name):
                self.add_error("header", _("Give a header name (letters, digits and -)."))
            data["field"] = name
        operator = data.get("operator")
        if any(char in (data.get("value") or "") for char in "\r\n\0"):
            self.add_error("value", _("A value must fit on one line."))
        if field == "size":
            if operator not in rules.SIZE_OPERATORS:
                self.add_error("operator", _("A size is compared with 'greater' or 'less'."))
            if not rules._is_size(data.get("value") or "0x"):
                self.add_error(
                    "value", _("Give a size: a number, optionally followed by K, M or G.")
                )
        elif operator not in rules.OPERATORS:
            self.add_error("operator", _("This operator does not apply to this field."))
        if (data.get("part") or "all") != "all" and field not in rules.ADDRESS_FIELDS:
            self.add_error("part", _("Address parts apply to From, To and Cc only."))
        return data

    def condition(self):
        data = self.cleaned_data
        if not data.get("field"):
            return None
        return rules.Condition(
            data["field"],
            data["operator"],
            (data.get("value") or "").strip()
            if data["field"] == "size"
            else data.get("value") or "",
            data.get("part") or "all",
        )

    @classmethod
    def initial_of(cls, condition):
        known = condition.field in dict(FIELD_CHOICES)
        return {
            "field": condition.field if known else "header",
            "header": "" if known else condition.field,
            "part": condition.part,
            "operator": condition.operator,
            "value": condition.value,
        }


class ActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES, required=False)
    folder = forms.ChoiceField(label=_("Folder"), choices=(), required=False)
    argument = forms.CharField(
        label=_("Address or text"), max_length=1000, required=False, strip=False
    )

    def __init__(self, *args, capabilities=(), folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "---")] + [
            choice
            for choice in ACTION_CHOICES
            if ACTION_NEEDS.get(choice[0], set()) <= set(capabilities)
        ]
        self.fields["folder"].choices = [("", "---")] + [(name, name) for name in folders]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("fileinto", "fileinto_copy") and not data.get("folder"):
            self.add_error("folder", _("Choose a folder."))
        if action in ("redirect", "redirect_copy"):
            address = (data.get("argument") or "").strip()
            try:
                forms.EmailField().clean(address)
            except forms.ValidationError:
                self.add_error("argument", _("Give an email address."))
            data["argument"] = address
        if action == "reject" and not (data.get("argument") or "").strip():
            self.add_error("argument", _("Give the text of the rejection."))
        return data

    def action_object(self):
        data = self.cleaned_data
        action = data.get("action")
        if not action:
            return None
        name, _sep, copy = action.partition("_")
        argument = data.get("folder") if name == "fileinto" else data.get("argument") or ""
        return rules.Action(name, argument or "", copy=bool(copy))

    @classmethod
    def initial_of(cls, action):
        choice = action.name + ("_copy" if action.copy else "")
        if action.name == "fileinto":
            return {"action": choice, "folder": action.argument}
        return {"action": choice, "argument": action.argument}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=20, absolute_max=50)
ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=20, absolute_max=50)
