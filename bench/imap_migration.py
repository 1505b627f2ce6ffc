"""Messages per second copied by an IMAP migration job between two local
Dovecots, and the memory the copy takes.

Starts two throwaway Dovecots on loopback (the old one with ``/`` as
hierarchy separator, the new one with Dovecot's default ``.``), fills the
old mailbox with ``--messages`` small messages in a few nested folders,
then runs the job's copier (``modoboa.imap_migration.sync.Copier``, the
code ``run_imap_migrations`` runs) once and reports messages per second,
then a second time (nothing new: the incremental check alone), with
``--writers`` connections to the new server (4, the default of
``MODOBOA_IMAP_MIGRATION_WRITERS``). Each run reports the wall-clock time,
the CPU seconds (user + system) of the copier and of each Dovecot, the
growth of the peak memory and the load average. Needs root (Dovecot drops
privileges to the mail user) and a migrated database:

    DJANGO_SETTINGS_MODULE=modoboa.test_settings MODOBOA_TEST_DB=sqlite \\
        python bench/imap_migration.py --messages 2000

The target is at least 200 small messages a second per job; results in
bench/results/imap-migration.md.
"""

import argparse
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = modoboa-bench-{name}-{pid}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
first_valid_uid = {uid}
mail_location = maildir:~/Maildir{layout}
namespace inbox {{
  inbox = yes
  separator = {separator}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/users
}}
userdb {{
  driver = passwd-file
  args = {base}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
FOLDERS = ["INBOX", "Archives", "Archives/2024", "Archives/2024/Été", "Sent"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(base, name, owner, separator, layout):
    for directory in ("run", "state", "home"):
        os.makedirs(os.path.join(base, directory), exist_ok=True)
    os.chown(os.path.join(base, "home"), owner.pw_uid, owner.pw_gid)
    port = free_port()
    with open(os.path.join(base, "users"), "w") as users:
        users.write(
            "bench@example.test:Bench-1:%d:%d::%s/home/bench::\n"
            % (owner.pw_uid, owner.pw_gid, base)
        )
    config = os.path.join(base, "dovecot.conf")
    with open(config, "w") as out:
        out.write(
            CONFIG.format(
                base=base,
                name=name,
                pid=os.getpid(),
                uid=owner.pw_uid,
                port=port,
                separator=separator,
                layout=layout,
            )
        )
    subprocess.run(["/usr/sbin/dovecot", "-c", config], check=True)  # noqa: S603,S607
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return config, port


def login(port):
    from imapclient import IMAPClient

    from modoboa.imap_migration import imap

    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=60)
    client.normalise_times = False
    imap.no_delay(client)
    client.login("bench@example.test", "Bench-1")
    return client


def server_cpu(base):
    """CPU seconds (user + system) used so far by the Dovecot whose base
    directory is ``base``: its master, its live processes, and those that
    ended (the master's children times).
    """
    with open(os.path.join(base, "run", "master.pid")) as handle:
        master = handle.read().strip()
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if pid == master:
            total += sum(int(value) for value in fields[11:15])
        elif fields[1] == master:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fill(port, count):
    import datetime

    client = login(port)
    for folder in FOLDERS[1:]:
        client.create_folder(folder)
    batch = []
    for number in range(count):
        folder = FOLDERS[number % len(FOLDERS)]
        message = (
            "From: a@example.test\r\nTo: bench@example.test\r\nSubject: Bench %d\r\n"
            "Message-ID: <bench.%d@example.test>\r\n\r\nA small message, number %d.\r\n"
            % (number, number, number)
        ).encode()
        date = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            minutes=number
        )
        batch.append((folder, {"msg": message, "flags": [b"\\Seen"], "date": date}))
    for folder in FOLDERS:
        items = [item for name, item in batch if name == folder]
        for start_index in range(0, len(items), 500):
            client.multiappend(folder, items[start_index : start_index + 500])
    client.logout()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--owner", default="vmail", help="the system user owning mail")
    parser.add_argument(
        "--writers", type=int, default=4, help="connections to the new server per job"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from modoboa.admin import services as admin_services
    from modoboa.admin.models import Domain
    from modoboa.core.management.commands.load_initial_data import load_initial_data
    from modoboa.imap_migration import services
    from modoboa.imap_migration.models import Migration
    from modoboa.imap_migration.sync import Copier

    owner = pwd.getpwnam(args.owner)
    work = tempfile.mkdtemp(prefix="modoboa-bench-imap-")
    os.chmod(work, 0o755)
    configs = []
    try:
        old_config, old_port = start(os.path.join(work, "old"), "old", owner, "/", ":LAYOUT=fs")
        configs.append(old_config)
        new_config, new_port = start(os.path.join(work, "new"), "new", owner, ".", "")
        configs.append(new_config)
        started = time.monotonic()
        fill(old_port, args.messages)
        print("filled %d messages in %.1f s" % (args.messages, time.monotonic() - started))

        admin = load_initial_data("admin")
        if not Domain.objects.filter(name="example.test").exists():
            admin_services.create_domain(acting_user=admin, name="example.test", quota=0)
        services.create_provider(
            acting_user=admin,
            name="Bench %d" % os.getpid(),
            address="127.0.0.1",
            port=old_port,
            domains=[("old-%d.test" % os.getpid(), "example.test")],
        )
        (migration,) = services.create_migrations(
            acting_user=admin,
            entries=[(1, "bench@old-%d.test" % os.getpid(), "Bench-1", "bench@example.test")],
        )
        for run in ("first run", "second run"):
            Migration.objects.filter(pk=migration.pk).update(messages_copied=0)
            old, new = login(old_port), login(new_port)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu = (
                own_cpu(),
                server_cpu(os.path.join(work, "old")),
                server_cpu(os.path.join(work, "new")),
            )
            started = time.monotonic()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                errors = profile.runcall(
                    Copier(
                        migration,
                        old,
                        new,
                        open_writer=lambda: login(new_port),
                        writers=args.writers,
                    ).run
                )
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            else:
                errors = Copier(
                    migration, old, new, open_writer=lambda: login(new_port), writers=args.writers
                ).run()
            elapsed = time.monotonic() - started
            cpu = (
                own_cpu() - cpu[0],
                server_cpu(os.path.join(work, "old")) - cpu[1],
                server_cpu(os.path.join(work, "new")) - cpu[2],
            )
            old.logout()
            new.logout()
            migration.refresh_from_db()
            copied = migration.messages_copied
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
            print(
                "%s: %d messages copied in %.2f s (%.0f messages/s), CPU s: copier %.2f, "
                "old Dovecot %.2f, new Dovecot %.2f, peak RSS +%d kB, load %s%s"
                % (
                    run,
                    copied,
                    elapsed,
                    copied / elapsed if elapsed else 0,
                    *cpu,
                    grown,
                    " ".join(open("/proc/loadavg").read().split()[:3]),
                    ", errors: %s" % errors if errors else "",
                )
            )
    finally:
        for config in configs:
            subprocess.run(["doveadm", "-c", config, "stop"], check=False)  # noqa: S603,S607
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
