"""Dashboard, the super administrators' area, the user area and the top
notifications, for each role.
"""

import http.server
import threading

import pytest
from django.core.cache import cache

from modoboa.core.models import Log

PASSWORD = "Toto1234!"

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Modoboa &lt;b&gt;2.0&lt;/b&gt; released</title><link>https://news.example/1</link></item>
<item><title>Evil</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


@pytest.fixture
def feed_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(RSS)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/feed.xml" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_superadmin_dashboard_shows_global_statistics(client, superadmin, domain, simple_user):
    client.force_login(superadmin)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="stat-domains">1<' in content
    assert 'id="stat-domain-aliases">0<' in content


@pytest.mark.django_db
def test_domain_admin_dashboard_shows_its_domains(client, domain_admin, other_domain):
    client.force_login(domain_admin)
    content = client.get("/dashboard/").content.decode()
    assert "test.com" in content and "test2.com" not in content


@pytest.mark.django_db
def test_simple_user_cannot_see_dashboard(client, simple_user):
    client.force_login(simple_user)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "administrators" in response.content.decode()


@pytest.mark.django_db
def test_news_widget_reads_the_configured_feed_escaped(client, superadmin, feed_server, settings):
    settings.MODOBOA_NEWS_FEED_URL = feed_server
    client.force_login(superadmin)
    content = client.get("/dashboard/news/").content.decode()
    assert "Modoboa &lt;b&gt;2.0&lt;/b&gt; released" in content
    assert 'href="https://news.example/1"' in content
    assert "javascript:" not in content


@pytest.mark.django_db
def test_news_widget_for_resellers_uses_rss_feed_url(client, reseller, feed_server):
    from modoboa.parameters import tools as param_tools

    param_tools.set_global_parameter("rss_feed_url", feed_server, app="core")
    client.force_login(reseller)
    assert "released" in client.get("/dashboard/news/").content.decode()


@pytest.mark.django_db
def test_news_widget_degrades_when_feed_unreachable(client, superadmin, settings):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings.MODOBOA_NEWS_FEED_URL = "http://127.0.0.1:%d/feed" % port
    client.force_login(superadmin)
    response = client.get("/dashboard/news/")
    assert response.status_code == 200
    assert 'id="news-unavailable"' in response.content.decode()
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/core/info/", "/core/logs/", "/core/parameters/", "/user/api/"])
def test_superadmin_area_refused_to_others(client, reseller, domain_admin, simple_user, url):
    for account in (reseller, domain_admin, simple_user):
        client.force_login(account)
        response = client.get(url)
        assert response.status_code == 403, (account, url)
        assert "super administrators" in response.content.decode()


@pytest.mark.django_db
def test_information_lists_versions_and_active_users(client, superadmin):
    superadmin_config = client
    superadmin_config.force_login(superadmin)
    from modoboa.parameters.tools import get_localconfig

    localconfig = get_localconfig()
    localconfig.api_versions = [{"name": "modoboa", "version": "99.0.0", "url": "https://x/y"}]
    localconfig.save()
    content = client.get("/core/info/").content.decode()
    assert "99.0.0" in content and "Update available" in content
    assert "admin" in content.split('id="active-users"')[1]
    items = client.get("/core/top_notifications/check/").json()
    assert items[0]["id"] == "newversionavailable"


@pytest.mark.django_db
def test_log_list_is_paginated_and_sorted(client, superadmin, django_assert_max_num_queries):
    Log.objects.bulk_create(
        Log(message="message %03d" % i, level="INFO", logger="modoboa.admin") for i in range(75)
    )
    client.force_login(superadmin)
    with django_assert_max_num_queries(8):
        response = client.get("/core/logs/?sort=message&page=2")
    content = response.content.decode()
    assert "message 030" in content and "message 029" not in content
    assert 'aria-current="page"' in content


@pytest.mark.django_db
def test_parameters_are_saved_and_errors_shown_per_form(client, superadmin):
    from modoboa.parameters import tools as param_tools

    client.force_login(superadmin)
    page = client.get("/core/parameters/").content.decode()
    assert 'id="visibility-rules-core"' in page
    data = {}
    for entry in param_tools.registry.get_forms("global", user=superadmin):
        form = entry["form"]
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = value
    data["core-items_per_page"] = "15"
    response = client.post("/core/parameters/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert param_tools.get_global_parameter("items_per_page", app="core") == 15
    data["core-items_per_page"] = "0"
    response = client.post("/core/parameters/", data)
    assert response.status_code == 400
    assert 'id="id_core-items_per_page_error"' in response.content.decode()
    assert param_tools.get_global_parameter("items_per_page", app="core") == 15


@pytest.mark.django_db
def test_profile_update_and_password_change(client, simple_user):
    client.force_login(simple_user)
    response = client.post(
        "/user/profile/",
        {
            "first_name": "<script>alert(1)</script>",
            "last_name": "Doe",
            "language": "en",
            "phone_number": "",
            "secondary_email": "",
            "oldpassword": "bad",
            "newpassword": "An0therPass!",
            "confirmation": "An0therPass!",
        },
    )
    assert response.status_code == 200
    assert "Old password mismatchs" in response.content.decode()
    simple_user.refresh_from_db()
    assert simple_user.first_name == ""
    response = client.post(
        "/user/profile/",
        {
            "first_name": "<script>alert(1)</script>",
            "last_name": "Doe",
            "language": "en",
            "oldpassword": PASSWORD,
            "newpassword": "An0therPass!",
            "confirmation": "An0therPass!",
        },
    )
    assert response.status_code == 302
    simple_user.refresh_from_db()
    assert simple_user.check_password("An0therPass!")
    page = client.get("/user/profile/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


@pytest.mark.django_db
def test_password_fields_hidden_when_a_receiver_forbids_it(client, simple_user):
    from modoboa.core import signals

    def forbid(sender, user, **kwargs):
        return True

    signals.allow_password_change.connect(forbid)
    try:
        client.force_login(simple_user)
        page = client.get("/user/profile/").content.decode()
    finally:
        signals.allow_password_change.disconnect(forbid)
    assert 'name="newpassword"' not in page


@pytest.mark.django_db
def test_forward_page_sets_the_forward(client, simple_user):
    from modoboa.admin import services

    client.force_login(simple_user)
    response = client.post(
        "/user/forward/", {"dest": "someone@example.org, other@example.net", "keepcopies": "on"}
    )
    assert response.status_code == 302
    recipients, keep = services.get_forward(simple_user.mailbox)
    assert sorted(recipients) == ["other@example.net", "someone@example.org"] and keep
    response = client.post("/user/forward/", {"dest": "not an address"})
    assert response.status_code == 200
    assert 'id="id_dest_error"' in response.content.decode()


@pytest.mark.django_db
def test_forward_page_refused_without_mailbox(client, superadmin):
    client.force_login(superadmin)
    assert client.get("/user/forward/").status_code == 403


@pytest.mark.django_db
def test_api_access_creates_and_revokes_the_token(client, superadmin):
    from rest_framework.authtoken.models import Token

    client.force_login(superadmin)
    client.post("/user/api/", {"enable_api_access": "on"})
    token = Token.objects.get(user=superadmin)
    assert token.key in client.get("/user/api/").content.decode()
    client.post("/user/api/", {})
    assert not Token.objects.filter(user=superadmin).exists()


@pytest.mark.django_db
def test_preferences_page_without_forms(client, simple_user):
    client.force_login(simple_user)
    assert client.get("/user/preferences/").status_code == 200


@pytest.mark.django_db
def test_top_notifications_need_login(client):
    assert client.get("/core/top_notifications/check/").status_code == 401
