"""Template helpers of the quarantine pages."""

from django import template

from .. import constants

register = template.Library()


@register.filter
def content_label(code):
    """The name of an Amavis content type code (``S`` -> Spam)."""
    return constants.CONTENT_TYPES.get(code, code)
