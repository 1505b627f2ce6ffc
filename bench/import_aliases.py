"""Time the CSV import of N alias lines on a fresh SQLite database.

Usage: .venv/bin/python bench/import_aliases.py [N] [--mailboxes M] [--as superadmin]

PROFILE=1 in the environment prints the import's cProfile statistics.

The import runs in-process as the console runs it: as the domain
administrator of the domain (default) or as a super administrator. Each
alias line points to one of M mailboxes (default 200) made beforehand.
The figure printed is the time of ``import_csv`` alone, with its query
count.
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def _option(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
    mailboxes = int(_option("--mailboxes", "200"))
    actor = _option("--as", "domainadmin")
    workdir = tempfile.mkdtemp(prefix="modoboa-bench-")
    settings = os.path.join(workdir, "bench_settings.py")
    with open(settings, "w") as handle:
        handle.write(
            "from modoboa.test_settings import *  # noqa\n"
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', "
            "'NAME': %r}}\n" % os.path.join(workdir, "db.sqlite3")
        )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench_settings")
    env["PYTHONPATH"] = os.pathsep.join([workdir, ROOT])
    manage = [PY, "-m", "django"]
    subprocess.run(manage + ["migrate", "-v0"], env=env, check=True)
    subprocess.run(manage + ["load_initial_data"], env=env, check=True, stdout=subprocess.DEVNULL)
    accounts = os.path.join(workdir, "accounts.csv")
    with open(accounts, "w") as handle:
        handle.write("domain;bench.test;0;0;true\n")
        handle.write(
            "account;admin@bench.test;{PLAIN}Secret-0;A;B;true;DomainAdmins;"
            "admin@bench.test;10;bench.test\n"
        )
        for i in range(mailboxes):
            handle.write(
                "account;user%d@bench.test;{PLAIN}Secret-%d;F;L;true;SimpleUsers;"
                "user%d@bench.test;10\n" % (i, i, i)
            )
    subprocess.run(manage + ["modo", "import", accounts, "--no-progress"], env=env, check=True)
    aliases = os.path.join(workdir, "aliases.csv")
    with open(aliases, "w") as handle:
        for i in range(count):
            handle.write("alias;alias%d@bench.test;true;user%d@bench.test\n" % (i, i % mailboxes))
    code = (
        "import time, django\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "import cProfile, pstats, os\n"
        "from modoboa.core.models import User\n"
        "from modoboa.admin.csv_import import import_csv\n"
        "from modoboa.limits.services import set_user_limit\n"
        "actor = User.objects.get(username=%r)\n"
        "if not actor.is_superuser:\n"
        "    set_user_limit(actor, 'mailbox_aliases', -1, acting_user=None)\n"
        "with open(%r) as handle:\n"
        "    start = time.perf_counter()\n"
        "    queries = []\n"
        "    def count(execute, sql, params, many, context):\n"
        "        queries.append(1)\n"
        "        return execute(sql, params, many, context)\n"
        "    profile = cProfile.Profile() if os.environ.get('PROFILE') else None\n"
        "    with connection.execute_wrapper(count):\n"
        "        if profile: profile.enable()\n"
        "        result = import_csv(handle, acting_user=actor)\n"
        "        if profile: profile.disable()\n"
        "    elapsed = time.perf_counter() - start\n"
        "print('%%s; %%.1f s; %%d queries' %% (result.summary(), elapsed, len(queries)))\n"
        "if profile: pstats.Stats(profile).sort_stats('cumulative').print_stats(40)\n"
        "print(*[str(error) for error in result.errors[:3]], sep='\\n')\n"
        % ("admin" if actor == "superadmin" else "admin@bench.test", aliases)
    )
    output = subprocess.run(
        [PY, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    print("import of %d alias lines as %s: %s" % (count, actor, output))


if __name__ == "__main__":
    main()
