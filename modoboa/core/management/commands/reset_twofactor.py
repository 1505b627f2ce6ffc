"""``manage.py reset_twofactor <username>...``: remove the TOTP device and
recovery codes of accounts that lost their phone, so they log in with
their password alone (and set up a new device, when their role requires
one, at their next login).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from modoboa.core.models import User
from modoboa.core.twofactor import services


def reset_twofactor(username):
    """Reset ``username``'s second factor; return False when it had none."""
    account = User.objects.filter(username=(username or "").strip().lower()).first()
    if account is None:
        raise CommandError("Account %s does not exist" % username)
    return services.reset(account, acting_user=None)


class Command(BaseCommand):
    help = "Remove the two-factor authentication (TOTP device, recovery codes) of accounts."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+", metavar="username")

    def handle(self, *args, **options):
        with transaction.atomic():
            results = [(name, reset_twofactor(name)) for name in options["usernames"]]
        for name, removed in results:
            if removed:
                self.stdout.write("Two-factor authentication of %s reset." % name)
            else:
                self.stdout.write("%s had no two-factor authentication." % name)
