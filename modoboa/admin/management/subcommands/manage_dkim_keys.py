"""``manage.py modo manage_dkim_keys``: make the missing DKIM keys.

Meant to run every minute from the crontab of the user OpenDKIM runs as
(the keys belong to the user who makes them).
"""

from django.core.management.base import CommandError
from django.db import DatabaseError

from modoboa.admin import dkim
from modoboa.lib.cronlock import LockedJobCommand
from modoboa.lib.management import sentence

JOB = "manage_dkim_keys"
NOTHING = " No key was generated."


class Command(LockedJobCommand):
    help = "Generate the DKIM keys of the domains that have DKIM enabled and no key yet."

    # The lock in the database: two nodes never make a key for the same
    # domain at once (the storage directory's lock only covers this
    # machine). The lock records the run.
    job_name = JOB

    def run_job(self, *args, **options):
        verbose = options["verbosity"] >= 1

        def progress(message):
            if verbose:
                self.stdout.write(message)

        try:
            done, errors = dkim.generate_missing_keys(progress=progress)
        except dkim.Busy as exc:
            if options["verbosity"] >= 2:
                self.stdout.write("%s; nothing done." % exc)
            return
        except dkim.DKIMError as exc:
            raise CommandError(sentence(exc) + NOTHING) from None
        except DatabaseError as exc:
            message = sentence("Cannot reach the database: %s" % exc)
            raise CommandError(message + NOTHING) from None
        for name, message in errors:
            self.stderr.write("%s: %s" % (name, message))
        if done and verbose:
            self.stdout.write("%d DKIM key(s) generated" % len(done))
        if errors:
            raise CommandError("%d domain(s) got no key" % len(errors))
