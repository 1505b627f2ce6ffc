"""``manage.py load_initial_data``: what a fresh instance needs."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from modoboa.core import services, signals
from modoboa.core.app_settings import random_secret_key
from modoboa.core.commands import KEPT_ADMIN_MARKER
from modoboa.core.extensions import exts_pool
from modoboa.core.models import User
from modoboa.lib.exceptions import ModoboaException
from modoboa.parameters import tools as param_tools

DEFAULT_ADMIN_PASSWORD = "password"


class Command(BaseCommand):
    help = "Load Modoboa's initial data: role groups, parameters and the first superuser."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-username",
            default="admin",
            help="Username of the first super administrator (default: admin)",
        )
        parser.add_argument(
            "--admin-password",
            default=os.environ.get("MODOBOA_ADMIN_PASSWORD"),
            help=(
                "Password of the first super administrator when it is created "
                "(default: $MODOBOA_ADMIN_PASSWORD, else 'password'; a given "
                "password is checked against the password policy)"
            ),
        )
        parser.add_argument(
            "--extra-fixtures",
            action="store_true",
            default=False,
            help="Also create demonstration domains, accounts and aliases",
        )

    def handle(self, *args, **options):
        exts_pool.load_all()
        password = options["admin_password"]
        if password is None:
            # Upstream's documented default, for a first look (deploy
            # passes a random one); a password typed explicitly, even
            # this one, must pass the policy.
            password = DEFAULT_ADMIN_PASSWORD
        else:
            try:
                services.validate_password(password, field="admin-password")
            except ModoboaException as exc:
                raise CommandError("--admin-password: %s" % exc) from None
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        with transaction.atomic():
            admin = load_initial_data(
                options["admin_username"], options["extra_fixtures"], admin_password=password
            )
        if options["verbosity"] > 0:
            if existing is not None:
                # deploy reads this line: the password it chose was not set.
                self.stdout.write(
                    "%s %s (its password is unchanged)" % (KEPT_ADMIN_MARKER, admin.username)
                )
            self.stdout.write("Initial data loaded.")


def load_initial_data(
    admin_username="admin", extra_fixtures=False, admin_password=DEFAULT_ADMIN_PASSWORD
):
    """Create the groups, the configuration and the first superuser."""
    localconfig = services.ensure_localconfig()
    stored = localconfig._parameters.get("core", {})
    if not stored.get("secret_key"):
        localconfig.parameters.set_value("secret_key", random_secret_key(), app="core")
    services.ensure_role_groups()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        admin = User(username=admin_username, is_superuser=True, is_staff=False)
        admin.set_password(admin_password)
        admin.save()
        from modoboa.core.access import grant_access

        grant_access(admin, admin, is_owner=True)
    for name, entry in exts_pool.extensions.items():
        entry["instance"].load_initial_data()
        signals.initial_data_loaded.send(sender=load_initial_data, extname=name)
    if extra_fixtures:
        from modoboa.core.demo_data import load_demo_data

        load_demo_data(acting_user=admin)
    param_tools.get_localconfig()
    return admin
