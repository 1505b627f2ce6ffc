"""A deployed instance served by gunicorn behind Debian's nginx, configured
as docs/deployment.rst describes (TLS, /sitestatic/, /media/, proxy)."""

import datetime
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

pytestmark = [pytest.mark.integration, pytest.mark.engines("sqlite")]

ADMIN_SCRIPT = os.path.join(os.path.dirname(sys.executable), "modoboa-admin.py")
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")

NGINX_CONF = """
daemon off;
user root;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {root}/nginx-access.log;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;

    upstream modoboa {{
        server unix:{root}/gunicorn.sock fail_timeout=0;
    }}

    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        root {instance};

        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;

        location /sitestatic/ {{
            alias {instance}/sitestatic/;
        }}

        location /media/ {{
            alias {instance}/media/;
        }}

        location / {{
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_redirect off;
            proxy_pass http://modoboa;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(root):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(root, "key.pem"), "wb") as fp:
        fp.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
    with open(os.path.join(root, "cert.pem"), "wb") as fp:
        fp.write(cert.public_bytes(serialization.Encoding.PEM))


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def served_instance(tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        if os.environ.get("MODOBOA_REQUIRE_DAEMONS") == "1":
            pytest.fail("nginx is not installed (apt-get install nginx-light)")
        pytest.skip("nginx is not installed")
    root = str(tmp_path_factory.mktemp("serving"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            ADMIN_SCRIPT,
            "deploy",
            "instance",
            "--collectstatic",
            "--domain",
            "localhost",
            "--dburl",
            "default:sqlite:///%s/db.sqlite" % root,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    instance = os.path.join(root, "instance")
    os.makedirs(os.path.join(root, "tmp"))
    with open(os.path.join(instance, "media", "custom_logo.txt"), "w") as fp:
        fp.write("media file")
    self_signed_certificate(root)
    port = free_port()
    with open(os.path.join(root, "nginx.conf"), "w") as fp:
        fp.write(NGINX_CONF.format(root=root, port=port, instance=instance))
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            GUNICORN,
            "--bind",
            "unix:%s/gunicorn.sock" % root,
            "--workers",
            "1",
            "--error-logfile",
            "%s/gunicorn.log" % root,
            "instance.wsgi:application",
        ],
        cwd=instance,
        env=env,
    )
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [nginx, "-c", os.path.join(root, "nginx.conf"), "-p", root],
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_until(lambda: os.path.exists(os.path.join(root, "gunicorn.sock")))

        def listening():
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        assert wait_until(listening), "nginx did not start"
        yield {
            "url": "https://localhost:%d" % port,
            "verify": os.path.join(root, "cert.pem"),
            "root": root,
            "password": result.stdout.split("with password ")[1].split()[0],
        }
    finally:
        server.terminate()
        gunicorn.terminate()
        server.wait(timeout=30)
        gunicorn.wait(timeout=30)


def test_nginx_and_gunicorn_serve_pages_static_and_media_files(served_instance):
    url, verify = served_instance["url"], served_instance["verify"]
    login = requests.get(url + "/accounts/login/", verify=verify, timeout=30)
    assert login.status_code == 200
    assert 'name="username"' in login.text
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    css = requests.get(
        url + "/sitestatic/vendor/bootstrap/css/bootstrap.min.css", verify=verify, timeout=30
    )
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css"
    media = requests.get(url + "/media/custom_logo.txt", verify=verify, timeout=30)
    assert media.text == "media file"


def test_the_authorization_header_reaches_the_api(served_instance):
    url, verify = served_instance["url"], served_instance["verify"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    token = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from rest_framework.authtoken.models import Token;"
            "from modoboa.core.models import User;"
            "print(Token.objects.get_or_create(user=User.objects.get(username='admin'))[0].key)",
        ],
        cwd=os.path.join(served_instance["root"], "instance"),
        env=dict(env, DJANGO_SETTINGS_MODULE="instance.settings"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    answer = requests.get(
        url + "/api/v1/domains/",
        headers={"Authorization": "Token %s" % token},
        verify=verify,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == []
    refused = requests.get(url + "/api/v1/domains/", verify=verify, timeout=30)
    assert refused.status_code == 401


def test_plain_http_is_redirected_to_https(served_instance):
    # Without X-Forwarded-Proto https (a request that did not come through
    # TLS), the application redirects to HTTPS.
    root = served_instance["root"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    answer = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from django.test import Client;"
            "r = Client(HTTP_HOST='localhost').get('/accounts/login/');"
            "print(r.status_code, r['Location'])",
        ],
        cwd=os.path.join(root, "instance"),
        env=dict(env, DJANGO_SETTINGS_MODULE="instance.settings"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert answer == ["301", "https://localhost/accounts/login/"]
