"""``manage.py clean_inactive_accounts``: disable (or delete) the accounts
that have not logged in for ``inactive_account_threshold`` days.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from modoboa.core.models import User
from modoboa.lib.cronlock import LockedJobCommand
from modoboa.lib.exceptions import ModoboaException
from modoboa.parameters import tools as param_tools


def inactive_accounts(threshold_days=None):
    """Active non-superusers whose last login is older than the threshold.

    Accounts that never logged in are left alone: the threshold says
    nothing about them.
    """
    if threshold_days is None:
        threshold_days = param_tools.get_global_parameter("inactive_account_threshold", app="core")
    limit = timezone.now() - timedelta(days=int(threshold_days))
    return User.objects.filter(
        is_superuser=False, is_active=True, last_login__isnull=False, last_login__lt=limit
    ).order_by("username")


def _apply(accounts, action):
    """Run ``action(account)`` on each account in its own transaction;
    return ``(done, [(account, error message)])``.
    """
    done, failures = 0, []
    for account in accounts:
        try:
            with transaction.atomic():
                action(account)
        except ModoboaException as exc:
            failures.append((account, exc.message))
        else:
            done += 1
    return done, failures


def disable_accounts(accounts):
    """Disable ``accounts`` through the service layer."""
    from modoboa.admin import services

    return _apply(
        accounts, lambda a: services.update_account(a, acting_user=None, is_active=False)
    )


def delete_accounts(accounts):
    """Delete ``accounts`` (and their mailboxes) through the service layer."""
    from modoboa.admin import services

    return _apply(accounts, lambda a: services.delete_account(a, acting_user=None))


JOB = "clean_inactive_accounts"


class Command(LockedJobCommand):
    help = "Disable or delete the accounts that have been inactive for too long"
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", default=False, help="Delete them instead"
        )
        parser.add_argument("--dry-run", action="store_true", default=False, help="Only list them")
        parser.add_argument(
            "--silent", action="store_true", default=False, help="Do not ask for confirmation"
        )
        parser.add_argument(
            "--verbose", action="store_true", default=False, help="List the accounts"
        )

    def run_job(self, *args, **options):
        accounts = list(inactive_accounts())
        verbose = options["verbose"] or options["dry_run"] or options["verbosity"] > 1
        if not accounts:
            if verbose:
                self.stdout.write("No inactive account")
            return
        action = "delete" if options["delete"] else "disable"
        if verbose or not options["silent"]:
            self.stdout.write(
                "%d inactive account(s): %s"
                % (len(accounts), ", ".join(a.username for a in accounts))
            )
        if options["dry_run"]:
            return
        if not options["silent"]:
            answer = input("Do you want to %s those accounts? (y/N) " % action)
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing done")
                return
        if options["delete"]:
            count, failures = delete_accounts(accounts)
        else:
            count, failures = disable_accounts(accounts)
        for account, message in failures:
            self.stderr.write("%s: %s" % (account.username, message))
        if verbose or not options["silent"]:
            self.stdout.write("%d account(s) %sd" % (count, action))
