"""Debian's nginx in front of a gunicorn on loopback, over TLS with a
self-signed certificate: how the load run is served when
``MODOBOA_LOAD_NGINX=1`` (``bench/load.py --nginx``), as
docs/deployment.rst deploys the panel.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time

NGINX_CONF = """
daemon off;
user root;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;

    upstream modoboa {{
        server 127.0.0.1:{upstream} fail_timeout=0;
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;

        location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_redirect off;
            proxy_read_timeout 60s;
            proxy_pass http://modoboa;
        }}
    }}
}}
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(root):
    """``cert.pem`` and ``key.pem`` for localhost and 127.0.0.1 in ``root``."""
    subprocess.run(  # noqa: S603 - fixed argv
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            os.path.join(root, "key.pem"),
            "-out",
            os.path.join(root, "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return os.path.join(root, "cert.pem")


@contextlib.contextmanager
def nginx_tls_proxy(upstream_url, root, workers=1):
    """Serve ``upstream_url`` (``http://127.0.0.1:PORT``) over TLS; yield
    ``(https URL, CA file to verify it with)``.
    """
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    root = str(root)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    cafile = self_signed_certificate(root)
    port = _free_port()
    config = os.path.join(root, "nginx.conf")
    with open(config, "w", encoding="utf-8") as fp:
        fp.write(
            NGINX_CONF.format(
                root=root,
                port=port,
                workers=workers,
                upstream=int(upstream_url.rsplit(":", 1)[1]),
            )
        )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [nginx, "-c", config, "-p", root], stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(root, "nginx-error.log"), errors="replace") as fp:
                    raise RuntimeError("nginx did not start: %s" % fp.read())
            time.sleep(0.1)
        yield "https://127.0.0.1:%d" % port, cafile
    finally:
        process.terminate()
        process.wait(timeout=30)
