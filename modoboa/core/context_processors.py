"""Template context processors."""

from django.conf import settings


def top_notifications(request):
    """Expose the top-notification polling interval and the custom logo."""
    context = {"modoboa_custom_logo": getattr(settings, "MODOBOA_CUSTOM_LOGO", None)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    from modoboa.parameters.tools import get_global_parameter

    context["top_notifications_check_interval"] = (
        get_global_parameter("top_notifications_check_interval", app="core") * 1000
    )
    return context
