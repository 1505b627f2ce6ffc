"""API URLs of the webmail (joined to /api/v1/): the connected user's own
folders and messages; the writing side's endpoints come from
``compose/urls_api.py``.
"""

from django.urls import include, path

from .api import views
from .outside_transaction import outside_transaction

urlpatterns = [
    path("webmail/folders/", views.FolderListView.as_view(), name="webmail-folders-list"),
    path(
        "webmail/folders/rename/",
        views.FolderRenameView.as_view(),
        name="webmail-folders-rename",
    ),
    path(
        "webmail/folders/delete/",
        views.FolderDeleteView.as_view(),
        name="webmail-folders-delete",
    ),
    path("webmail/folders/empty/", views.FolderEmptyView.as_view(), name="webmail-folders-empty"),
    path(
        "webmail/folders/compress/",
        views.FolderCompressView.as_view(),
        name="webmail-folders-compress",
    ),
    path("webmail/quota/", views.QuotaView.as_view(), name="webmail-quota"),
    path("webmail/messages/", views.MessageListView.as_view(), name="webmail-messages-list"),
    path("webmail/messages/flag/", views.MessageFlagView.as_view(), name="webmail-messages-flag"),
    path("webmail/messages/move/", views.MessageMoveView.as_view(), name="webmail-messages-move"),
    path(
        "webmail/messages/delete/",
        views.MessageDeleteView.as_view(),
        name="webmail-messages-delete",
    ),
    path("webmail/messages/junk/", views.MessageJunkView.as_view(), name="webmail-messages-junk"),
    path(
        "webmail/messages/<int:uid>/",
        views.MessageDetailView.as_view(),
        name="webmail-messages-detail",
    ),
    path("", include("modoboa.webmail.compose.urls_api")),
]

urlpatterns = outside_transaction(urlpatterns)
