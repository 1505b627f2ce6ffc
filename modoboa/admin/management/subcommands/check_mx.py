"""``manage.py modo check_mx``: MX records and DNSBL listings of the
hosted domains (meant to run every 30 minutes from cron).
"""

from django.core.management.base import CommandError

from modoboa.lib.cronlock import LockedJobCommand

from ... import mx_checks


def positive_number(value):
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


JOB = "check_mx"


class Command(LockedJobCommand):
    help = "Check the MX records of the hosted domains and their DNSBL listings"
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-dnsbl", action="store_true", default=False, help="Skip the DNSBL queries"
        )
        parser.add_argument(
            "--email",
            action="append",
            default=[],
            help="Also send the alerts to this address (repeatable)",
        )
        parser.add_argument(
            "--skip-admin-emails",
            action="store_true",
            default=False,
            help="Do not send the alerts to the domain administrators",
        )
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="Only check this domain, by name or id (repeatable)",
        )
        parser.add_argument(
            "--timeout",
            type=positive_number,
            default=3.0,
            help="Seconds allowed for each domain's DNS queries (default: 3)",
        )
        parser.add_argument(
            "--ttl",
            type=int,
            default=7200,
            help="Seconds the resolved MX records are kept before the next look-up "
            "(default: 7200)",
        )

    def handle(self, *args, **options):
        if options["ttl"] < 0:
            raise CommandError("--ttl must be positive")
        super().handle(*args, **options)

    def run_job(self, *args, **options):
        return mx_checks.run(
            domains=options["domain"],
            dnsbl=not options["no_dnsbl"],
            emails=options["email"],
            skip_admin_emails=options["skip_admin_emails"],
            timeout=options["timeout"],
            ttl=options["ttl"],
        )

    def job_done(self, reports, **options):
        for report in reports:
            for line in report.mx_problems + report.new_listings + report.errors:
                self.stdout.write("%s: %s" % (report.domain.name, line))
