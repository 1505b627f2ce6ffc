"""Declaration of the away messages extension (1.10's modoboa-postfix-autoreply)."""

from django.utils.translation import gettext_lazy

from modoboa.core import signals as core_signals
from modoboa.core.extensions import ModoExtension, exts_pool
from modoboa.parameters import tools as param_tools

from . import app_settings, handlers, postfix_maps


class PostfixAutoreply(ModoExtension):
    """Away messages: a Sieve vacation rule, or 1.10's Postfix pipe."""

    name = "postfix_autoreply"
    label = gettext_lazy("Auto-reply messages")
    version = "1.4.0"
    description = gettext_lazy("Auto-reply (vacation) functionality using Postfix")
    url = "autoreply"

    def load(self):
        param_tools.registry.add(
            "global", app_settings.ParametersForm, gettext_lazy("Automatic replies")
        )
        handlers.connect()
        core_signals.register_postfix_maps.connect(
            postfix_maps.register_postfix_maps, dispatch_uid="autoreply_postfix_maps"
        )


exts_pool.register_extension(PostfixAutoreply)
