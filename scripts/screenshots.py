"""Take the README's screenshots from a demonstration instance.

Usage (from a clone, after ``scripts/serve`` installed the virtualenv):

    .venv/bin/python scripts/screenshots.py [--out docs/_static/screenshots]

Deploys a throwaway development instance on SQLite with the demonstration
data and every built-in extension, serves it on a free loopback port, logs
in as the super administrator with Debian's Chromium and writes one PNG
per page. Nothing outside the temporary directory and the output directory
is touched.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

TOP = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MODOBOA_CHROMIUM", "/usr/bin/chromium")

# (file name, path, what to wait for)
PAGES = (
    ("dashboard", "/dashboard/", "main"),
    ("domains", "/admin/domains/", "table"),
    ("identities", "/admin/identities/", "table"),
    ("domain-wizard", "/admin/domains/new/", "main form input[type=text]"),
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def deploy(root):
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    subprocess.run(
        [
            str(bindir / "modoboa-admin.py"),
            "deploy",
            "instance",
            "--devel",
            "--domain",
            "localhost",
            "--dburl",
            "default:sqlite:///%s/demo.sqlite3" % root,
            "--extensions",
            "all",
            "--dont-install-extensions",
        ],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    instance = Path(root) / "instance"
    subprocess.run(
        [sys.executable, "manage.py", "load_initial_data", "--extra-fixtures", "-v", "0"],
        cwd=instance,
        env=env,
        check=True,
    )
    # Every job of docs/cron.rst once, as after a few minutes of cron.
    subprocess.run(
        [
            sys.executable,
            str(TOP / "scripts" / "demo_jobs.py"),
            "--python",
            sys.executable,
            "--instance",
            str(instance),
            "--once",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return instance, env


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the demonstration instance did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(TOP / "docs" / "_static" / "screenshots"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="modoboa-screenshots-") as root:
        instance, env = deploy(root)
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:%d" % port],
            cwd=instance,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port)
            base = "http://127.0.0.1:%d" % port
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(
                    viewport={"width": options.width, "height": options.height},
                    locale="en-US",
                )
                page.goto(base + "/accounts/login/")
                page.screenshot(path=str(out / "login.png"))
                page.fill("input[name=username]", "admin")
                page.fill("input[name=password]", "password")
                page.click("button[type=submit]")
                page.wait_for_url("**/dashboard/**")
                for name, path, ready in PAGES:
                    page.goto(base + path)
                    page.wait_for_selector(ready)
                    page.screenshot(path=str(out / ("%s.png" % name)))
                    print("%s.png" % name)
                page.goto(base + "/admin/domains/")
                page.click("table a:text('test.com')")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out / "domain-detail.png"))
                print("domain-detail.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
