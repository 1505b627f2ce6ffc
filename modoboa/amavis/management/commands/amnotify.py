"""``manage.py amnotify``: mail the administrators the new release requests,
and the users who asked for one their quarantine digest.
"""

from modoboa.lib.cronlock import LockedJobCommand

from ...services import jobs

JOB = "amnotify"


class Command(LockedJobCommand):
    help = "Mail each administrator the release requests waiting for it"
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument("--baseurl", default="", help="The console's URL, for links")
        parser.add_argument("--smtp_host", default=None, help="SMTP server (Django's otherwise)")
        parser.add_argument("--smtp_port", type=int, default=25, help="SMTP port")

    def run_job(self, *args, **options):
        sent = jobs.notify(
            base_url=options["baseurl"],
            smtp_host=options["smtp_host"],
            smtp_port=options["smtp_port"],
        )
        digests = jobs.send_digests(
            base_url=options["baseurl"],
            connection=jobs.smtp_connection(options["smtp_host"], options["smtp_port"]),
        )
        return sent, digests

    def job_done(self, result, **options):
        sent, digests = result
        if options["verbosity"] > 1:
            self.stdout.write("%d notification(s) and %d digest(s) sent" % (sent, digests))
