"""Pages of the writing side, joined under /webmail/ in the ``compose``
namespace (``reverse("webmail:compose:<name>")``).

A reply or forward names the original by its UID in the path and its folder
in the query string: ``/webmail/compose/reply/42/?folder=INBOX``.
"""

from django.urls import path

from ..outside_transaction import outside_transaction
from . import views

urlpatterns = [
    path("compose/", views.compose, name="index"),
    path("compose/recipients/", views.recipients, name="recipients"),
    path("compose/draft/<int:uid>/", views.draft, name="draft"),
] + [
    path(
        "compose/%s/<int:uid>/" % action,
        views.reply_or_forward,
        {"action": action},
        name=action,
    )
    for action in ("reply", "replyall", "forward", "forward_attachment")
]

urlpatterns = outside_transaction(urlpatterns)
