"""``manage.py set_default_site <hostname>``: name this instance."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Set the domain and the name of the default site (the instance's host name)."

    def add_arguments(self, parser):
        parser.add_argument("hostname", help="Host name of this instance")

    def handle(self, *args, **options):
        hostname = options["hostname"].strip().lower()
        if not hostname or len(hostname) > 100 or any(c.isspace() for c in hostname):
            raise CommandError("invalid host name %r" % options["hostname"])
        site_id = getattr(settings, "SITE_ID", 1)
        Site.objects.update_or_create(pk=site_id, defaults={"domain": hostname, "name": hostname})
        if options["verbosity"] > 0:
            self.stdout.write("Default site set to %s" % hostname)
