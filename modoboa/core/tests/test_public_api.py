"""``communicate_with_public_api`` against a local HTTP server."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from modoboa.core.models import LocalConfig
from modoboa.parameters import tools as param_tools

VERSIONS = [
    {"name": "modoboa", "version": "1.10.7", "url": "https://example.net/modoboa"},
    {"name": "modoboa-amavis", "version": "1.3.0", "url": "https://example.net/amavis"},
]


class FakePublicAPI(BaseHTTPRequestHandler):
    """A small public API: instances, versions and statistics."""

    def log_message(self, *args):
        pass

    def _answer(self, status, data=None):
        body = json.dumps(data).encode() if data is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self):  # noqa: N802
        server = self.server
        server.calls.append(("GET", self.path))
        if self.path.startswith("/1/instances/search/"):
            hostname = self.path.split("hostname=", 1)[-1]
            if hostname in server.instances:
                return self._answer(200, {"pk": server.instances[hostname]})
            return self._answer(404, {"detail": "not found"})
        if self.path == "/1/versions/":
            return self._answer(200, VERSIONS)
        return self._answer(404)

    def do_POST(self):  # noqa: N802
        data = self._body()
        self.server.calls.append(("POST", self.path, data))
        pk = len(self.server.instances) + 41
        self.server.instances[data["hostname"]] = pk
        return self._answer(201, {"pk": pk, "hostname": data["hostname"]})

    def do_PUT(self):  # noqa: N802
        data = self._body()
        self.server.calls.append(("PUT", self.path, data))
        return self._answer(200, data)


@pytest.fixture
def public_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePublicAPI)
    server.calls = []
    server.instances = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MODOBOA_API_URL = "http://127.0.0.1:%d/1/" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def run():
    out, err = io.StringIO(), io.StringIO()
    call_command("communicate_with_public_api", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def set_core_params(**values):
    localconfig = param_tools.get_localconfig()
    localconfig.parameters.set_values(values, app="core")
    localconfig.save()


def test_registers_fetches_versions_and_sends_statistics(
    public_api, superadmin, domain, simple_user
):
    run()
    localconfig = LocalConfig.objects.get()
    assert localconfig.api_pk == 41
    assert localconfig.api_versions == VERSIONS
    methods = [call[0] + " " + call[1].split("?")[0] for call in public_api.calls]
    assert methods == [
        "GET /1/instances/search/",
        "POST /1/instances/",
        "GET /1/versions/",
        "PUT /1/instances/41/",
    ]
    statistics = public_api.calls[-1][2]
    assert statistics["hostname"] == localconfig.site.domain
    assert statistics["domain_counter"] == 1
    assert statistics["mailbox_counter"] == 1
    assert statistics["alias_counter"] == 0
    # The second hour: already registered, no second POST.
    public_api.calls.clear()
    run()
    assert [c[0] for c in public_api.calls] == ["GET", "PUT"]


def test_an_instance_known_by_hostname_is_not_registered_again(public_api, superadmin):
    site = LocalConfig.objects.get().site
    public_api.instances[site.domain] = 7
    run()
    assert LocalConfig.objects.get().api_pk == 7
    assert not [c for c in public_api.calls if c[0] == "POST"]


def test_parameters_switch_each_step(public_api, superadmin):
    set_core_params(check_new_versions=False, send_statistics=False)
    run()
    assert [c[0] for c in public_api.calls] == ["GET", "POST"]
    set_core_params(enable_api_communication=False)
    public_api.calls.clear()
    run()
    assert public_api.calls == []


def test_unreachable_api_is_harmless(superadmin, settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.MODOBOA_API_URL = "http://127.0.0.1:%d/1/" % port
    _out, err = run()
    assert "Public API not reachable" in err
    assert LocalConfig.objects.get().api_pk is None


def test_server_errors_are_harmless(public_api, superadmin, monkeypatch):
    monkeypatch.setattr(FakePublicAPI, "do_PUT", lambda self: self._answer(500))
    _out, err = run()
    assert "HTTP 500" in err
    # What succeeded before the failure is kept.
    assert LocalConfig.objects.get().api_versions == VERSIONS
