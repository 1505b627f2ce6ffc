"""What the panel does when a server it talks to is down or hangs.

Each service is tried two ways: nothing listening (a stopped daemon: the
connection is refused at once) and a "black hole" that accepts the
connection, or the datagram, and never answers (a hung daemon, a firewall
dropping packets), which only a timeout ends. For each, the page or the API
call that needs the service says so (never a 500) within a bounded time,
the rest of the console keeps working, and a cron job reports and goes on
to the next item. The working cases are covered next to each feature
(tests/integration/test_sieve*.py, test_ldap.py, test_dns_checks.py).
"""

import io
import socket
import threading
import time

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from modoboa.admin.models import Domain
from modoboa.core.models import Log
from modoboa.lib.authbackends import backend_errors
from modoboa.parameters import tools as param_tools
from modoboa.sievefilters import services as sieve_services
from tests.fixtures.mailserver import free_port
from tests.fixtures.sieve import APP
from tests.integration.test_ldap import ldap_auth  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The bounds: the timeouts the code sets (ManageSieve and IMAP 10 s, LDAP
# 5 s, DNS 3 s a query) plus the slack of a loaded shared machine.
SIEVE_BOUND = 20
LDAP_BOUND = 15
DNS_BOUND = 15


class BlackHole:
    """A TCP listener that accepts connections and never answers, and a UDP
    socket that swallows datagrams, on the same loopback port.
    """

    def __init__(self):
        self.tcp, self.udp = self._bind_pair()
        self.port = self.tcp.getsockname()[1]
        self.tcp.listen(64)
        self.held = []
        self.accepted = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @staticmethod
    def _bind_pair(attempts=50):
        """Bind a TCP and a UDP socket to one free loopback port.

        The kernel picks a port free for TCP only; another test's UDP
        socket (a DNS server, a resolver's query) may hold the same number,
        so another port is tried.
        """
        for _attempt in range(attempts):
            tcp = socket.socket()
            tcp.bind(("127.0.0.1", 0))
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind(("127.0.0.1", tcp.getsockname()[1]))
            except OSError:
                tcp.close()
                udp.close()
                continue
            return tcp, udp
        raise OSError("no loopback port free for both TCP and UDP")

    def _accept(self):
        self.tcp.settimeout(0.2)
        while not self.stopping:
            try:
                conn, _addr = self.tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


def timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def rest_of_the_console_works(client):
    assert client.get("/user/profile/").status_code == 200


# Dovecot: ManageSieve (filters) and IMAP (the folders of a filter)


@pytest.mark.parametrize("hung", [False, True], ids=["stopped", "hung"])
def test_managesieve_down_the_filters_page_and_api_say_so(client, api, alice, black_hole, hung):
    port = black_hole.port if hung else free_port()
    param_tools.set_global_parameter("port", port, app=APP)
    client.force_login(alice.user)
    response, elapsed = timed(lambda: client.get(reverse("sievefilters:index")))
    assert response.status_code == 503
    assert "does not answer" in response.content.decode()
    assert elapsed < SIEVE_BOUND
    answer, elapsed = timed(lambda: api(alice.user).get("/api/v1/filtersets/"))
    assert answer.status_code == 503
    assert "does not answer" in answer.body["detail"]
    assert elapsed < SIEVE_BOUND
    if hung:
        assert black_hole.accepted >= 2
    rest_of_the_console_works(client)


@pytest.mark.parametrize("hung", [False, True], ids=["stopped", "hung"])
def test_imap_down_the_rule_form_still_works_without_the_folder_list(
    client, alice, black_hole, hung
):
    sieve_services.create_filter_set(alice, "main", activate=True)
    port = black_hole.port if hung else free_port()
    param_tools.set_global_parameter("imap_port", port, app=APP)
    client.force_login(alice.user)
    url = reverse("sievefilters:rule_new", args=["main"])
    response, elapsed = timed(lambda: client.get(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The IMAP server at 127.0.0.1:%d" % port in page
    assert elapsed < SIEVE_BOUND
    rest_of_the_console_works(client)


# LDAP: the directory down, local accounts still log in


def _login(username, password):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.7")
    return authenticate(request, username=username, password=password), request


@pytest.mark.parametrize("hung", [False, True], ids=["stopped", "hung"])
def test_ldap_down_directory_logins_fail_clearly_and_local_ones_work(
    ldap_auth,  # noqa: F811 - the fixture imported above
    client,
    black_hole,
    hung,
):
    port = black_hole.port if hung else free_port()
    ldap_auth(ldap_server_port=port)
    response, elapsed = timed(
        lambda: client.post(
            "/accounts/login/", {"username": "alice@example.test", "password": "Secret123!"}
        )
    )
    assert response.status_code == 503
    assert "authentication server is unavailable" in response.content.decode()
    assert elapsed < LDAP_BOUND
    user, request = _login("alice@example.test", "Secret123!")
    assert user is None and backend_errors(request)
    assert Log.objects.filter(
        logger="modoboa.auth", level="ERROR", message__startswith="LDAP error while"
    ).exists()
    # The local super administrator logs in (and can fix the settings).
    response, elapsed = timed(
        lambda: client.post("/accounts/login/", {"username": "admin", "password": "password"})
    )
    assert response.status_code == 302
    assert client.get("/user/profile/").status_code == 200


# DNS: the record checks and the MX checks


@pytest.fixture
def dns_down(settings, black_hole, request):
    """The resolver pointed at a closed port (stopped) or at a port that
    swallows every query (hung).
    """
    port = black_hole.port if request.param else free_port()
    settings.DNS_NAMESERVERS = ["127.0.0.1:%d" % port]
    settings.DNSBL_PROVIDERS = ["dnsbl.one"]
    return settings


@pytest.mark.parametrize("dns_down", [False, True], ids=["stopped", "hung"], indirect=True)
def test_dns_down_the_domain_page_check_says_so(dns_down, client, superadmin, make_domain):
    domain = make_domain("good.org")
    client.force_login(superadmin)
    response, elapsed = timed(
        lambda: client.post("/admin/domains/%d/dns/check/" % domain.pk, follow=True)
    )
    assert response.status_code == 200
    assert elapsed < DNS_BOUND
    page = response.content.decode()
    assert "DNS checks done: MX look-up failed: no answer within 3.0s for good.org/MX" in page
    assert client.get("/admin/domains/").status_code == 200


@pytest.mark.parametrize("dns_down", [False, True], ids=["stopped", "hung"], indirect=True)
def test_dns_down_check_mx_reports_each_domain_and_carries_on(dns_down, make_domain):
    for name in ("one.org", "two.org", "three.org"):
        make_domain(name)
    out, err = io.StringIO(), io.StringIO()
    _result, elapsed = timed(
        lambda: call_command(
            "modo", "check_mx", "--timeout", "1", "--skip-admin-emails", stdout=out, stderr=err
        )
    )
    output = out.getvalue()
    for name in ("one.org", "two.org", "three.org"):
        assert "%s: MX look-up failed" % name in output
    assert "Traceback" not in output + err.getvalue()
    assert elapsed < DNS_BOUND
    assert Domain.objects.count() == 3


@pytest.mark.parametrize("dns_down", [False, True], ids=["stopped", "hung"], indirect=True)
def test_dns_down_a_domain_needing_an_authorized_mx_is_refused_clearly(dns_down, reseller):
    from modoboa.admin import services
    from modoboa.lib.exceptions import BadRequest

    localconfig = param_tools.get_localconfig()
    localconfig.parameters.set_values(
        {"valid_mxs": "192.0.2.0/24", "domains_must_have_authorized_mx": True}, app="admin"
    )
    localconfig.save()
    started = time.monotonic()
    with pytest.raises(BadRequest, match="authorized MX"):
        services.create_domain(acting_user=reseller, name="good.org", quota=10)
    assert time.monotonic() - started < DNS_BOUND
    assert not Domain.objects.filter(name="good.org").exists()


# A cron job reading an IMAP folder: the DMARC reports import


def test_imap_stopped_the_dmarc_import_exits_with_a_clear_line(monkeypatch):
    from django.core.management import CommandError

    from modoboa.dmarc.models import Report

    port = free_port()
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_USER", "dmarc@hosted.org")
    monkeypatch.setenv("MODOBOA_DMARC_IMAP_PASSWORD", "Toto1234!")
    started = time.monotonic()
    with pytest.raises(CommandError, match="IMAP connection to 127.0.0.1:%d failed" % port):
        call_command(
            "import_aggregated_report", "--imap", "--host", "127.0.0.1", "--port", str(port)
        )
    assert time.monotonic() - started < SIEVE_BOUND
    assert not Report.objects.exists()
