"""The deployment recipes of docs/installation.rst and docs/deployment.rst,
run as printed, as root, on the Debian 12 the suite runs on.

The blocks are read from the pages; what the test changes is listed at the
end of docs/deployment.rst ("How these recipes are tested"): paths go to a
temporary directory, the system user gets a name of its own, ports are free
loopback ports, the certificate is self-signed, the database server is the
suite's throwaway PostgreSQL, and the lines that drive the host's services
(``systemctl``, ``nginx -t``, ``a2enmod``...) are played by starting each
server in the foreground with a main configuration that includes the
printed file, as Debian's would.
"""

import configparser
import os
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.fixtures.mailserver import free_port, port_open, stop_pid, wait_for
from tests.fixtures.slapd import make_self_signed_certificate

pytestmark = [pytest.mark.integration, pytest.mark.engines("postgresql")]

TOP = Path(__file__).resolve().parents[2]
DOCS = TOP / "docs"
HOST = "mail.example.com"

# Lines that manage the host's services: the test starts the servers itself.
HOST_SERVICE_COMMANDS = ("systemctl ", "nginx -t", "apache2ctl ", "a2enmod ", "a2ensite ")

BLOCK = re.compile(r"^\.\. code-block:: (\w+)\n\n((?:(?: {4}.*)?\n)+)", re.M)
TITLE = re.compile(r"^(\S.*)\n-{3,}\n", re.M)


@dataclass
class Block:
    page: str
    section: str
    language: str
    text: str
    path: str | None


def read_blocks(page):
    """Every code block of ``page``, with its section and, for a file, the
    path the paragraph before it names."""
    source = (DOCS / page).read_text()
    blocks = []
    for match in BLOCK.finditer(source):
        before = source[: match.start()]
        titles = TITLE.findall(before)
        paragraph = before.rstrip().rsplit("\n\n", 1)[-1]
        paths = re.findall(r"``(/[^`\s]+)``", paragraph)
        language = match.group(1)
        blocks.append(
            Block(
                page=page,
                section=titles[-1] if titles else "",
                language=language,
                text=textwrap.dedent(match.group(2)).strip("\n") + "\n",
                path=paths[-1] if paths and language != "sh" else None,
            )
        )
    return blocks


def section_blocks(page, section):
    found = [block for block in read_blocks(page) if block.section == section]
    assert found, "no code block in %s, section %r" % (page, section)
    return found


class Machine:
    """The temporary stand-in for the host's file system and services."""

    def __init__(self, root, database_url):
        self.root = root
        self.user = "mbtest%d" % secrets.randbelow(10**6)
        self.ports = {80: free_port(), 443: free_port()}
        url = urlsplit(database_url)
        self.pg_host, self.pg_port = url.hostname, url.port
        self.processes = []
        self.log = []

    def localize(self, text):
        """The block with this machine's paths, user, ports and database."""
        root = str(self.root)
        for path in ("/srv/", "/run/", "/etc/nginx/", "/etc/uwsgi/", "/etc/apache2/sites-"):
            text = text.replace(path, root + path)
        text = text.replace("/etc/systemd/system/", root + "/etc/systemd/system/")
        text = text.replace("/var/log/", root + "/log/")
        text = text.replace("/etc/ssl/certs/%s.pem" % HOST, root + "/cert.pem")
        text = text.replace("/etc/ssl/private/%s.key" % HOST, root + "/key.pem")
        text = text.replace("/path/to/a/clone", root + "/clone")
        text = text.replace(
            "://modoboa:secret@localhost/modoboa",
            "://%s:secret@%s:%d/%s" % (self.user, self.pg_host, self.pg_port, self.user),
        )
        # The user (and its group, role and database), not the names that
        # merely look like it: paths, the systemd directories, nginx's
        # upstream (named again in proxy_pass's URL).
        text = re.sub(
            r"(?<![\w/.-])(?<!Directory=)(?<!upstream )modoboa(?![\w/.-])", self.user, text
        )
        text = re.sub(r"listen 80;", "listen 127.0.0.1:%d;" % self.ports[80], text)
        text = re.sub(r"listen 443 ", "listen 127.0.0.1:%d " % self.ports[443], text)
        return text.replace("*:443", "127.0.0.1:%d" % self.ports[443])

    def write(self, block):
        path = Path(self.localize(block.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.localize(block.text))
        return path

    def shell_environment(self):
        """A root login shell's environment, with the database server."""
        env = dict(
            os.environ,
            PGHOST=self.pg_host,
            PGPORT=str(self.pg_port),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            # ``python3`` is Debian's, not the suite's virtualenv.
            PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
            env.pop(name, None)
        return env

    def sh(self, block):
        """Run a shell block line by line (continuations joined), as root,
        the service-management lines left to the test."""
        script = self.localize(block.text).replace("\\\n", " ")
        env = self.shell_environment()
        cwd = self.root
        for line in script.splitlines():
            line = line.strip()
            if not line or line.startswith(HOST_SERVICE_COMMANDS):
                continue
            if line.startswith("apt-get install"):
                packages = [w for w in shlex.split(line)[2:] if not w.startswith("-")]
                missing = [p for p in packages if not debian_package_installed(p)]
                assert not missing, "%s are not installed (scripts/debian-packages.txt)" % missing
                continue
            if line.startswith("cd "):
                cwd = line[3:].strip()
                continue
            result = subprocess.run(  # noqa: S602, PLW1509 - the documentation's own commands
                line,
                shell=True,
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                # A root login shell's umask on Debian (the suite may run
                # under a stricter one).
                preexec_fn=lambda: os.umask(0o022),
            )
            self.log.append((line, result.stdout, result.stderr))
            assert result.returncode == 0, "%s\n%s\n%s" % (line, result.stdout, result.stderr)

    def start(self, argv, **kwargs):
        kwargs.setdefault("env", self.shell_environment())
        process = subprocess.Popen(  # noqa: S603 - the documented servers
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
        )
        self.processes.append(process)
        return process

    def stop_all(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []

    def remove_user(self):
        subprocess.run(["gpasswd", "-d", "www-data", self.user], capture_output=True)
        subprocess.run(["userdel", self.user], capture_output=True)


def debian_package_installed(name):
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
    )
    return result.stdout.endswith("installed")


def copy_of_the_clone(destination):
    ignored = shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", "bench"
    )
    shutil.copytree(TOP, destination, ignore=ignored, symlinks=True)


@pytest.fixture(scope="module")
def machine():
    database_url = os.environ.get("MODOBOA_TEST_PG_URL")
    assert database_url, "the suite's PostgreSQL server is not running"
    # Under /tmp but traversable: www-data (nginx, Apache) reads the
    # instance's static files and sockets, as it does under /srv.
    root = Path(tempfile.mkdtemp(prefix="modoboa-recipes-"))
    root.chmod(0o755)
    for directory in ("etc/nginx/sites-enabled", "etc/uwsgi/apps-enabled", "log"):
        (root / directory).mkdir(parents=True)
    host = Machine(root, database_url)
    try:
        yield host
    finally:
        host.stop_all()
        drop = "DROP DATABASE IF EXISTS %s; DROP ROLE IF EXISTS %s;" % (host.user, host.user)
        for statement in drop.split("; "):
            subprocess.run(
                ["runuser", "-u", "postgres", "--", "psql", "-q", "-c", statement],
                env=dict(os.environ, PGHOST=host.pg_host, PGPORT=str(host.pg_port)),
                capture_output=True,
            )
        host.remove_user()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def instance(machine):
    """The installation page, followed as printed."""
    copy_of_the_clone(machine.root / "clone")
    for block in section_blocks("installation.rst", "Preparing the system"):
        machine.sh(block)
    postgresql = [b for b in section_blocks("installation.rst", "The database")][0]
    assert "runuser -u postgres" in postgresql.text
    machine.sh(postgresql)
    for block in section_blocks("installation.rst", "Deploying an instance"):
        machine.sh(block)
    home = machine.root / "srv" / "modoboa"
    instance = home / "instance"
    assert (instance / "instance" / "settings.py").exists()
    assert pwd.getpwnam(machine.user).pw_dir == str(home)
    assert pwd.getpwuid((instance / "media").stat().st_uid).pw_name == machine.user
    (instance / "media" / "recipe.txt").write_text("media file")
    shutil.chown(instance / "media" / "recipe.txt", machine.user, machine.user)
    make_self_signed_certificate(str(machine.root), "127.0.0.1")
    return instance


@pytest.fixture(scope="module")
def api_token(machine, instance):
    result = subprocess.run(
        [
            "runuser",
            "-u",
            machine.user,
            "--",
            str(machine.root / "srv" / "modoboa" / "env" / "bin" / "python"),
            "manage.py",
            "drf_create_token",
            "admin",
        ],
        cwd=instance,
        env=machine.shell_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[2]


def test_the_installed_instance_passes_the_deployment_check(machine, instance):
    check = [line for line, _out, _err in machine.log if "check --deploy" in line]
    assert check, "the check of docs/installation.rst did not run"
    for line, out, err in machine.log:
        if "check --deploy" in line:
            assert "System check identified no issues" in out + err


def assert_served(machine, instance, token, port):
    """A page, a static file, a media file and the API, over TLS."""
    base = "https://127.0.0.1:%d" % port
    options = {"headers": {"Host": HOST}, "verify": str(machine.root / "cert.pem"), "timeout": 60}
    login = requests.get(base + "/accounts/login/", **options)
    assert login.status_code == 200, login.text[:500]
    assert 'name="username"' in login.text
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    css = requests.get(base + "/sitestatic/vendor/bootstrap/css/bootstrap.min.css", **options)
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css"
    assert requests.get(base + "/media/recipe.txt", **options).text == "media file"
    api = dict(options, headers={"Host": HOST, "Authorization": "Token %s" % token})
    answer = requests.get(base + "/api/v1/domains/", **api)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json() == []
    assert requests.get(base + "/api/v1/domains/", **options).status_code == 401


def nginx_main_config(machine, site):
    """Debian's /etc/nginx/nginx.conf, reduced to what the site needs."""
    conf = machine.root / "etc" / "nginx"
    for name in ("mime.types", "uwsgi_params"):
        shutil.copy("/etc/nginx/" + name, conf / name)
    (machine.root / "nginx-tmp").mkdir(exist_ok=True)
    main = conf / "nginx.conf"
    main.write_text(
        textwrap.dedent(
            """\
            user www-data;
            worker_processes 1;
            pid {root}/nginx.pid;
            error_log {root}/log/nginx/error.log;
            events {{ worker_connections 64; }}
            http {{
                include mime.types;
                client_body_temp_path {root}/nginx-tmp;
                proxy_temp_path {root}/nginx-tmp;
                fastcgi_temp_path {root}/nginx-tmp;
                uwsgi_temp_path {root}/nginx-tmp;
                scgi_temp_path {root}/nginx-tmp;
                include {site};
            }}
            """
        ).format(root=machine.root, site=site)
    )
    (machine.root / "log" / "nginx").mkdir(parents=True, exist_ok=True)
    return main


def start_nginx(machine, site):
    main = nginx_main_config(machine, site)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    test = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    machine.start([nginx, "-c", str(main), "-g", "daemon off;"])
    wait_for(lambda: port_open(machine.ports[443]), message="nginx did not start")


def run_unit(machine, unit_path):
    """What systemd does with the unit: its directories, then ExecStart as
    its user in its working directory."""
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(unit_path)
    service = unit["Service"]
    assert service["User"] == machine.user
    for key, parent in (("RuntimeDirectory", "run"), ("LogsDirectory", "log")):
        path = machine.root / parent / service[key]
        path.mkdir(parents=True, exist_ok=True)
        shutil.chown(path, machine.user, service["Group"])
    command = ["runuser", "-u", service["User"], "--", *shlex.split(service["ExecStart"])]
    return machine.start(command, cwd=service["WorkingDirectory"])


def test_nginx_and_gunicorn_as_printed(machine, instance, api_token):
    blocks = section_blocks("deployment.rst", "nginx and gunicorn")
    files = {block.language: machine.write(block) for block in blocks if block.path}
    assert set(files) == {"python", "ini", "nginx"}
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(files["ini"])],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    for block in blocks:
        if block.language == "sh":
            machine.sh(block)
    gunicorn = run_unit(machine, files["ini"])
    socket_path = machine.root / "run" / "modoboa" / "gunicorn.sock"
    wait_for(socket_path.exists, timeout=60, message="gunicorn did not start")
    try:
        start_nginx(machine, machine.root / "etc" / "nginx" / "sites-enabled" / "modoboa")
        assert_served(machine, instance, api_token, machine.ports[443])
        redirect = requests.get(
            "http://127.0.0.1:%d/accounts/login/" % machine.ports[80],
            headers={"Host": HOST},
            allow_redirects=False,
            timeout=30,
        )
        assert redirect.status_code == 301
        assert redirect.headers["Location"] == "https://%s/accounts/login/" % HOST
        assert (machine.root / "log" / "modoboa" / "gunicorn-access.log").stat().st_size > 0
    finally:
        machine.stop_all()
        assert gunicorn.poll() is not None


def test_nginx_and_uwsgi_as_printed(machine, instance, api_token):
    blocks = section_blocks("deployment.rst", "nginx and uWSGI")
    ini = machine.write(next(block for block in blocks if block.language == "ini"))
    location = next(block for block in blocks if block.language == "nginx").text
    # The gunicorn page's virtual host, with this location instead.
    vhost = next(
        block
        for block in section_blocks("deployment.rst", "nginx and gunicorn")
        if block.language == "nginx"
    ).text
    vhost = re.sub(r"upstream modoboa \{.*?\n\}\n\n", "", vhost, flags=re.S)
    vhost = re.sub(
        r"    location / \{\n.*?\n    \}\n",
        textwrap.indent(location, "    "),
        vhost,
        flags=re.S,
    )
    site = machine.root / "etc" / "nginx" / "sites-available" / "modoboa-uwsgi"
    site.write_text(machine.localize(vhost))
    for block in blocks:
        if block.language == "sh":
            machine.sh(block)
    assert (machine.root / "etc" / "uwsgi" / "apps-enabled" / "modoboa.ini").exists()
    # Debian's uwsgi service makes the socket's directory and runs the file.
    socket_dir = machine.root / "run" / "uwsgi" / "app" / "modoboa"
    socket_dir.mkdir(parents=True, exist_ok=True)
    shutil.chown(socket_dir, machine.user, machine.user)
    machine.start(["uwsgi", "--ini", str(ini)])
    wait_for((socket_dir / "socket").exists, timeout=60, message="uWSGI did not start")
    try:
        start_nginx(machine, site)
        assert_served(machine, instance, api_token, machine.ports[443])
    finally:
        machine.stop_all()


def test_apache_and_mod_wsgi_as_printed(machine, instance, api_token):
    blocks = section_blocks("deployment.rst", "Apache and mod_wsgi")
    site = machine.write(next(block for block in blocks if block.language == "apache"))
    for block in blocks:
        if block.language == "sh":
            machine.sh(block)
    enable = next(block for block in blocks if block.language == "sh").text
    modules = re.search(r"a2enmod -q (.*)", enable).group(1).split()
    # What a2enmod and a2ensite set up in Debian's apache2.conf.
    loads = ["mpm_event", "authz_core", "authz_host", "alias", "mime", "socache_shmcb"]
    main = machine.root / "etc" / "apache2" / "apache2.conf"
    run_dir = machine.root / "run" / "apache2"
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = ["ServerRoot /etc/apache2", "DefaultRuntimeDir %s" % run_dir]
    lines += ["Include /etc/apache2/mods-available/%s.load" % m for m in loads + modules]
    lines += [
        "Include /etc/apache2/mods-available/%s.conf" % m
        for m in modules
        if os.path.exists("/etc/apache2/mods-available/%s.conf" % m)
    ]
    lines += [
        "PidFile %s/apache2.pid" % run_dir,
        "Mutex file:%s default" % run_dir,
        "WSGISocketPrefix %s/wsgi" % run_dir,
        "User www-data",
        "Group www-data",
        "ServerName localhost",
        "ErrorLog %s/log/apache2-error.log" % machine.root,
        "LogLevel warn",
        "TypesConfig /etc/mime.types",
        "Listen 127.0.0.1:%d" % machine.ports[443],
        "Include %s" % site,
    ]
    main.write_text("\n".join(lines) + "\n")
    # What apache2ctl reads from Debian's /etc/apache2/envvars.
    env = dict(
        machine.shell_environment(),
        APACHE_RUN_DIR=str(run_dir),
        APACHE_LOCK_DIR=str(run_dir),
        APACHE_LOG_DIR=str(machine.root / "log"),
        APACHE_RUN_USER="www-data",
        APACHE_RUN_GROUP="www-data",
    )
    test = subprocess.run(
        ["apache2", "-t", "-f", str(main)], capture_output=True, text=True, env=env
    )
    assert test.returncode == 0, test.stderr
    apache = machine.start(["apache2", "-f", str(main), "-DFOREGROUND"], env=env)
    try:
        wait_for(lambda: port_open(machine.ports[443]), message="Apache did not start")
        assert_served(machine, instance, api_token, machine.ports[443])
    finally:
        machine.stop_all()
        if apache.poll() is None:
            stop_pid(apache.pid)
