"""Pages of the writing side, joined under /webmail/ in the ``compose``
namespace (``reverse("webmail:compose:<name>")``).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("compose/", views.compose, name="new"),
    path("compose/recipients/", views.recipients, name="recipients"),
    path("compose/draft/<int:uid>/", views.draft, name="draft"),
    path("compose/<str:action>/", views.reply_or_forward, name="action"),
]
