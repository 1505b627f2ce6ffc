"""``manage.py api_token <username> [--revoke]``: create (and print) or
revoke the REST API token of a super administrator.

The same service backs the console's *Settings > API* page.
"""

from django.core.management.base import BaseCommand, CommandError

from modoboa.core import services
from modoboa.core.models import User
from modoboa.lib.exceptions import ModoboaException


def api_token(username, revoke=False):
    """Return the token key of ``username`` (made if needed), or None once
    revoked. Raise CommandError for an unknown or non-superuser account.
    """
    account = User.objects.filter(username=username.strip().lower()).first()
    if account is None:
        account = User.objects.filter(username=username).first()
    if account is None:
        raise CommandError("Account %s does not exist" % username)
    try:
        return services.set_api_access(account, not revoke, acting_user=None)
    except ModoboaException as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Create (and print) or revoke the API token of a super administrator."

    def add_arguments(self, parser):
        parser.add_argument("username", help="Username of the super administrator")
        parser.add_argument(
            "--revoke", action="store_true", default=False, help="Delete the token instead"
        )

    def handle(self, *args, **options):
        key = api_token(options["username"], revoke=options["revoke"])
        if key is None:
            if options["verbosity"] > 0:
                self.stdout.write("API access revoked for %s" % options["username"])
            return
        self.stdout.write(key)
