"""Pages of the webmail (mounted under /webmail/, namespace ``webmail``).

Folders travel in the query string (``?folder=...``), messages by UID. The
writing side's pages (``compose/urls.py``) are joined here in the nested
namespace ``webmail:compose``.
"""

from django.urls import include, path

from . import views, views_read
from .outside_transaction import outside_transaction

urlpatterns = [
    path("", views.index, name="index"),
    path("folders.json", views.folders_json, name="folders_json"),
    path("folders/", views.manage_folders, name="folders"),
    path("folders/create/", views.folder_create, name="folder_create"),
    path("folders/rename/", views.folder_rename, name="folder_rename"),
    path("folders/delete/", views.folder_delete, name="folder_delete"),
    path("folders/empty/", views.folder_empty, name="folder_empty"),
    path("folders/compress/", views.folder_compress, name="folder_compress"),
    path("messages/action/", views.messages_action, name="messages_action"),
    path("messages/<int:uid>/", views_read.message, name="message"),
    path("messages/<int:uid>/body/", views_read.message_body, name="message_body"),
    path("messages/<int:uid>/cid/", views_read.message_cid, name="message_cid"),
    path("messages/<int:uid>/headers/", views_read.message_headers, name="message_headers"),
    path("messages/<int:uid>/source/", views_read.message_source, name="message_source"),
    path("messages/<int:uid>/parts/<str:part>/", views_read.message_part, name="message_part"),
    path("", include(("modoboa.webmail.compose.urls", "compose"), namespace="compose")),
]

urlpatterns = outside_transaction(urlpatterns)
