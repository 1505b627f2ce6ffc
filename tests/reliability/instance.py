"""A deployed instance served by gunicorn with several workers, on a free
loopback port: what the reliability tests and ``bench/load.py`` run against.

The instance is made by ``modoboa-admin.py deploy`` exactly as a postmaster
would make it, so its database settings are the ones deploy writes.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import requests

BIN = os.path.dirname(sys.executable)
ADMIN_SCRIPT = os.path.join(BIN, "modoboa-admin.py")
GUNICORN = os.path.join(BIN, "gunicorn")
PASSWORD = "Toto1234!"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=30, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def clean_env():
    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}


class Instance:
    """``modoboa-admin.py deploy`` in ``root``, then gunicorn on demand."""

    def __init__(self, root, dburl, name="instance"):
        self.root = str(root)
        self.dburl = dburl
        self.name = name
        self.dir = os.path.join(self.root, name)
        self.gunicorn = None
        self.port = None
        self.env = clean_env()

    def deploy(self):
        result = subprocess.run(  # noqa: S603 - fixed argv
            [
                ADMIN_SCRIPT,
                "deploy",
                self.name,
                "--domain",
                "localhost",
                "--dburl",
                "default:%s" % self.dburl,
            ],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError("deploy failed: %s" % result.stderr)
        with open(self.settings_path(), "a", encoding="utf-8") as fp:
            # Plain HTTP on loopback for the tests (deploy writes a TLS
            # instance); the rest of the settings is deploy's.
            fp.write(
                "\nALLOWED_HOSTS = ['localhost', '127.0.0.1']\n"
                "SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False\n"
                "SECURE_SSL_REDIRECT = False\n"
                "SECURE_HSTS_SECONDS = 0\n"
            )
        return self

    def settings_path(self):
        return os.path.join(self.dir, self.name, "settings.py")

    def manage(self, *args, check=True, timeout=300, env=None):
        result = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, os.path.join(self.dir, "manage.py"), *args],
            cwd=self.dir,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError("manage.py %s failed: %s" % (" ".join(args), result.stderr))
        return result

    def token(self, username="admin"):
        return self.manage("api_token", username).stdout.strip().split()[-1]

    def serve(self, workers=4, threads=1):
        self.port = free_port()
        self.gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                GUNICORN,
                "--bind",
                "127.0.0.1:%d" % self.port,
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--error-logfile",
                os.path.join(self.root, "gunicorn.log"),
                "%s.wsgi:application" % self.name,
            ],
            cwd=self.dir,
            env=self.env,
            start_new_session=True,
        )

        def answers():
            try:
                return requests.get(self.url + "/accounts/login/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        if not wait_until(answers, timeout=60):
            self.stop()
            raise RuntimeError("gunicorn did not answer: %s" % self.log())
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log(self):
        path = os.path.join(self.root, "gunicorn.log")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as fp:
            return fp.read()

    def stop(self):
        if self.gunicorn is None:
            return
        try:
            os.killpg(self.gunicorn.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.gunicorn.pid, signal.SIGKILL)
            self.gunicorn.wait(timeout=30)
        self.gunicorn = None


def api_session(token):
    session = requests.Session()
    session.headers["Authorization"] = "Token %s" % token
    return session


def account_payload(username, quota=1):
    return {
        "username": username,
        "password": PASSWORD,
        "role": "SimpleUsers",
        "mailbox": {"full_address": username, "quota": quota},
    }


@contextlib.contextmanager
def serve_test_database(log_path, env, workers=4, top=None):
    """gunicorn with ``workers`` workers serving the test settings (``env``
    names the test database, see tests.fixtures.mailserver); yield its URL.
    """
    top = top or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            GUNICORN,
            "--bind",
            "127.0.0.1:%d" % port,
            "--workers",
            str(workers),
            "--error-logfile",
            str(log_path),
            "tests.reliability.wsgi:application",
        ],
        cwd=top,
        env=env,
        start_new_session=True,
    )
    url = "http://127.0.0.1:%d" % port

    def answers():
        try:
            return requests.get(url + "/accounts/login/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        if not wait_until(answers, timeout=60):
            with open(log_path, encoding="utf-8", errors="replace") as fp:
                raise RuntimeError("gunicorn did not answer: %s" % fp.read())
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
