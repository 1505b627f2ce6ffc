"""URLs of the core application's console pages."""

from django.urls import path

from .views import auth, dashboard, settings, user

app_name = "core"

urlpatterns = [
    path("", dashboard.root, name="root"),
    path("accounts/login/", auth.login, name="login"),
    path("accounts/logout/", auth.logout, name="logout"),
    path("accounts/password_reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/news/", dashboard.news, name="dashboard_news"),
    path("core/", settings.index, name="index"),
    path("core/info/", settings.information, name="information"),
    path("core/logs/", settings.logs, name="log_list"),
    path("core/parameters/", settings.parameters, name="parameters"),
    path(
        "core/top_notifications/check/",
        settings.top_notifications,
        name="top_notifications_check",
    ),
    path("user/", user.index, name="user_index"),
    path("user/profile/", user.profile, name="user_profile"),
    path("user/preferences/", user.preferences, name="user_preferences"),
    path("user/api/", user.api_access, name="user_api_access"),
    path("user/forward/", user.forward, name="user_forward"),
]
