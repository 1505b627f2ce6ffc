"""Parameters of the example extension."""

from django import forms

from modoboa.parameters import forms as param_forms


class ExampleParametersForm(param_forms.AdminParametersForm):
    app = "example_ext"

    greeting = forms.CharField(label="Greeting", initial="hello")


class ExampleUserSettings(param_forms.UserParametersForm):
    app = "example_ext"

    colour = forms.CharField(label="Colour", initial="blue")
