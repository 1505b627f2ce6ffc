"""API endpoints of the writing side, joined to /api/v1/ by the webmail's
``urls_api`` (name them ``webmail-compose-...``, paths under ``webmail/``).
"""

from django.urls import path

from ..outside_transaction import outside_transaction
from . import api

urlpatterns = [
    path("webmail/senders/", api.SendersView.as_view(), name="webmail-compose-senders"),
    path("webmail/recipients/", api.RecipientsView.as_view(), name="webmail-compose-recipients"),
    path("webmail/send/", api.SendView.as_view(), name="webmail-compose-send"),
    path("webmail/drafts/", api.DraftView.as_view(), name="webmail-compose-drafts"),
]

urlpatterns = outside_transaction(urlpatterns)
