"""Time ``modo import`` of N simple-user accounts on a fresh SQLite database.

Usage: .venv/bin/python bench/import_accounts.py [N] [--clear]

--clear writes clear passwords and imports with --crypt-password (default
scheme, the rounds of the instance: 70000), and also times the hashing
alone on every core for comparison.
"""

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10000
    clear = "--clear" in sys.argv
    workdir = tempfile.mkdtemp(prefix="modoboa-bench-")
    settings = os.path.join(workdir, "bench_settings.py")
    with open(settings, "w") as handle:
        handle.write(
            "from modoboa.test_settings import *  # noqa\n"
            "MODOBOA_TEST_PASSWORD_ROUNDS = None\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', "
            "'NAME': %r}}\n" % os.path.join(workdir, "db.sqlite3")
        )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench_settings")
    env["PYTHONPATH"] = os.pathsep.join([workdir, ROOT])
    manage = [PY, "-m", "django"]
    subprocess.run(manage + ["migrate", "-v0"], env=env, check=True)
    subprocess.run(manage + ["load_initial_data"], env=env, check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(workdir, "accounts.csv")
    with open(path, "w") as handle:
        handle.write("domain;bench.test;0;0;true\n")
        for i in range(count):
            password = "Secret-%d" % i if clear else "{PLAIN}Secret-%d" % i
            handle.write(
                "account;user%d@bench.test;%s;First%d;Last%d;true;SimpleUsers;"
                "user%d@bench.test;10\n" % (i, password, i, i, i)
            )
    args = manage + ["modo", "import", path, "--no-progress"]
    if clear:
        args.append("--crypt-password")
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True)
    elapsed = time.perf_counter() - start
    print(
        "import of %d accounts (%s passwords): %.1f s"
        % (count, "clear" if clear else "hashed", elapsed)
    )
    if clear:
        code = (
            "import os, sys, time; sys.path.insert(0, %r)\n"
            "from concurrent.futures import ProcessPoolExecutor\n"
            "from modoboa.core.password_hashers import make_password\n"
            "def job(raw): return make_password(raw, 'sha512crypt', 70000)\n"
            "if __name__ == '__main__':\n"
            "    workers = os.cpu_count()\n"
            "    jobs = ['Secret-%%d' %% i for i in range(%d)]\n"
            "    t = time.perf_counter()\n"
            "    with ProcessPoolExecutor(workers) as pool:\n"
            "        size = max(1, min(64, len(jobs) // (workers * 4)))\n"
            "        list(pool.map(job, jobs, chunksize=size))\n"
            "    print('%%.1f' %% (time.perf_counter() - t))\n" % (ROOT, count)
        )
        script = os.path.join(workdir, "hash_only.py")
        with open(script, "w") as handle:
            handle.write(code)
        hashing = float(
            subprocess.run([PY, script], capture_output=True, text=True, check=True).stdout
        )
        print("hashing alone on every core: %.1f s (ratio %.2f)" % (hashing, elapsed / hashing))


if __name__ == "__main__":
    main()
