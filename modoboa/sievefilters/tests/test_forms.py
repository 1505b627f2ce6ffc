"""The rule form offers what the server supports and refuses bad values."""

from modoboa.sievefilters import forms


def choices(field):
    return [value for value, _label in field.choices if value]


def test_only_advertised_extensions_are_offered():
    bare = forms.ActionForm(capabilities=["fileinto"], folders=["INBOX"])
    assert choices(bare.fields["action"]) == ["fileinto", "redirect", "discard", "stop"]
    full = forms.ActionForm(capabilities=["fileinto", "copy", "reject", "imap4flags"])
    assert {"fileinto_copy", "redirect_copy", "reject", "flag"} <= set(
        choices(full.fields["action"])
    )
    assert "body" not in choices(forms.ConditionForm(capabilities=[]).fields["field"])
    assert "body" in choices(forms.ConditionForm(capabilities=["body"]).fields["field"])


def test_condition_and_action_values_are_checked():
    form = forms.ConditionForm(
        {"field": "size", "operator": "contains", "value": "big"}, capabilities=[]
    )
    assert not form.is_valid()
    assert set(form.errors) == {"operator", "value"}
    form = forms.ConditionForm(
        {"field": "header", "header": "X Bad:", "operator": "is", "value": "a"}, capabilities=[]
    )
    assert not form.is_valid() and "header" in form.errors
    form = forms.ConditionForm(
        {"field": "Subject", "part": "domain", "operator": "is", "value": "a"}, capabilities=[]
    )
    assert not form.is_valid() and "part" in form.errors
    form = forms.ActionForm(
        {"action": "redirect", "argument": "not an address"}, capabilities=["fileinto"]
    )
    assert not form.is_valid() and "argument" in form.errors
    form = forms.ActionForm(
        {"action": "fileinto", "folder": "<script>"}, capabilities=["fileinto"], folders=["INBOX"]
    )
    assert not form.is_valid() and "folder" in form.errors
    form = forms.ActionForm(
        {"action": "fileinto", "folder": "Été"}, capabilities=["fileinto"], folders=["Été"]
    )
    assert form.is_valid()
    assert form.action_object().argument == "Été"
