"""Lists of inputs (aliases, recipients, sender addresses) without padding."""

import re

from django import forms

from modoboa.core.forms.fields import ListField


class RecipientsForm(forms.Form):
    recipients = ListField()


def visible_and_spare_inputs(html):
    spare = "".join(re.findall(r"<noscript>(.*?)</noscript>", html, re.S))
    visible = re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.S)
    return re.findall(r'value="([^"]*)"', visible), re.findall(r'value="([^"]*)"', spare)


def test_an_empty_list_shows_one_input():
    visible, spare = visible_and_spare_inputs(str(RecipientsForm()["recipients"]))
    assert visible == [""]
    assert spare == [""]


def test_a_list_shows_its_values_and_no_empty_input():
    form = RecipientsForm(initial={"recipients": ["a@test.com", "b@test.com"]})
    visible, spare = visible_and_spare_inputs(str(form["recipients"]))
    assert visible == ["a@test.com", "b@test.com"]
    # Without JavaScript (no "Add" button), one more input to type in.
    assert spare == [""]


def test_an_error_adds_no_input():
    form = RecipientsForm(data={"recipients": ["a@test.com", ""]})
    assert form.is_valid()
    form.add_error("recipients", "Refused")
    visible, _spare = visible_and_spare_inputs(str(form["recipients"]))
    assert visible == ["a@test.com"]
