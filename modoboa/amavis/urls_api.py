"""API URLs of the quarantine (joined to /api/v1/)."""

from django.urls import path

from .api import views

urlpatterns = [
    path("quarantine/", views.QuarantineList.as_view(), name="quarantine-list"),
    path("quarantine/lists/", views.SenderLists.as_view(), name="quarantine-lists"),
    path(
        "quarantine/contentfilter/<int:pk>/",
        views.ContentFilter.as_view(),
        name="quarantine-contentfilter",
    ),
    path("quarantine/<str:mail_id>/", views.QuarantineDetail.as_view(), name="quarantine-detail"),
]
for _name in ("release", "delete", "mark_spam", "mark_ham"):
    urlpatterns.append(
        path(
            "quarantine/<str:mail_id>/%s/" % _name,
            views.QuarantineAction.as_view(action_name=_name),
            name="quarantine-%s" % _name.replace("_", "-"),
        )
    )
