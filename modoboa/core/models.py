"""Core models: accounts, object ownership, the admin log and the instance
configuration.

Table and column names are a public contract: Dovecot authenticates on
``core_user.email`` and ``core_user.password``, and its post-login script
updates ``core_user.last_login``.
"""

import secrets

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import constants

UNUSABLE_PASSWORD_PREFIX = "{PLAIN}!"


class UserManager(DjangoUserManager):
    """Manager of accounts, with the per-administrator access filter."""

    def get_for_admin(self, admin):
        """Return the accounts ``admin`` may see and manage."""
        from .access import accessible_users

        return accessible_users(admin, self.get_queryset())


class User(AbstractUser):
    """A Modoboa account: an administrator, a mailbox owner, or both."""

    password = models.CharField(_("password"), max_length=256)
    username = models.CharField(
        _("username"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("A user with that username already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=30, blank=True)
    last_name = models.CharField(_("last name"), max_length=30, blank=True)
    email = models.EmailField(_("email address"), max_length=254, blank=True, db_index=True)
    is_staff = models.BooleanField(default=False, db_index=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        db_index=True,
        help_text=_("Designates whether this user can log in."),
    )
    is_local = models.BooleanField(default=True, db_index=True)
    master_user = models.BooleanField(
        _("Allow mailboxes access"),
        default=False,
        help_text=_("Allow this administrator to access user mailboxes"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        default="en",
        choices=constants.LANGUAGES,
        help_text=_("Prefered language to display pages."),
    )
    phone_number = models.CharField(_("Phone number"), max_length=128, blank=True, null=True)
    secondary_email = models.EmailField(
        _("Secondary email"),
        max_length=254,
        blank=True,
        null=True,
        help_text=_("An alternative e-mail address, can be used for recovery needs."),
    )
    _parameters = models.JSONField(default=dict, db_column="_parameters")

    objects = UserManager()

    class Meta:
        db_table = "core_user"
        ordering = ["username"]
        indexes = [models.Index(fields=["email", "is_active"], name="core_user_email_active_idx")]

    def __str__(self):
        return self.username

    # Passwords are stored in Dovecot's {SCHEME}hash format.

    def set_password(self, raw_password):
        """Hash ``raw_password`` with the configured scheme."""
        from . import password_hashers
        from .app_settings import password_settings

        scheme, rounds = password_settings()
        self.password = password_hashers.make_password(raw_password, scheme, rounds)
        self._password = raw_password

    def check_password(self, raw_password):
        """Verify ``raw_password`` and upgrade the stored hash if needed."""
        from . import password_hashers
        from .app_settings import password_settings

        # Dovecot hashes DIGEST-MD5 with the login name, the mail address.
        login = self.email or self.username
        if not password_hashers.verify_password(raw_password, self.password, username=login):
            return False
        from .app_settings import update_scheme_at_login

        scheme, rounds = password_settings()
        if (
            self.pk
            and update_scheme_at_login()
            and password_hashers.needs_rehash(self.password, scheme, rounds)
        ):
            self.password = password_hashers.make_password(raw_password, scheme, rounds)
            type(self).objects.filter(pk=self.pk).update(password=self.password)
        return True

    def set_unusable_password(self):
        # A random value nobody knows: Dovecot and the panel both refuse it.
        self.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(16)

    def has_usable_password(self):
        return bool(self.password) and not self.password.startswith(UNUSABLE_PASSWORD_PREFIX)

    # Roles

    @cached_property
    def role(self):
        """Return the role name: SuperAdmins, a group name or ``---``."""
        if self.is_superuser:
            return constants.SUPERADMINS
        cache = getattr(self, "_prefetched_objects_cache", {})
        groups = cache.get("groups")
        if groups is None:
            groups = list(self.groups.all()[:1])
        for group in groups:
            return group.name
        return "---"

    def know_role(self, group_name):
        """Set :attr:`role` from the name of the account's group read with
        its row (None: no group), sparing the query that reads it.
        """
        self.__dict__["role"] = constants.SUPERADMINS if self.is_superuser else group_name or "---"

    @property
    def role_label(self):
        return constants.ROLE_LABELS.get(self.role, self.role)

    @property
    def is_admin(self):
        """Tell whether this account administers something."""
        return self.role in constants.ADMIN_ROLES

    @property
    def fullname(self):
        name = ("%s %s" % (self.first_name, self.last_name)).strip()
        return name or self.username

    @property
    def identity(self):
        return self.username

    @property
    def name_or_rcpt(self):
        return self.fullname

    @property
    def tags(self):
        return [
            {"name": "account", "label": _("account"), "type": "idt"},
            {"name": self.role, "label": self.role_label, "type": "grp"},
        ]

    @property
    def enabled(self):
        return self.is_active

    @property
    def parameters(self):
        from modoboa.parameters.tools import UserParameters

        return UserParameters(self)

    # Object access

    def can_access(self, obj):
        """Tell whether this user may see and manage ``obj``."""
        from .access import can_access

        return can_access(self, obj)

    def is_owner(self, obj):
        """Tell whether this user owns ``obj``."""
        ct = ContentType.objects.get_for_model(obj)
        return ObjectAccess.objects.filter(
            user=self, content_type=ct, object_id=obj.pk, is_owner=True
        ).exists()

    @property
    def mailbox_or_none(self):
        try:
            return self.mailbox
        except models.ObjectDoesNotExist:
            return None


class ObjectAccess(models.Model):
    """Who owns or administers an object.

    An ``is_owner`` row is written for the creator of every administrative
    object. Domain administrators get a (non-owner) row on each domain they
    administer. Superusers need no rows: their reach is total.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    is_owner = models.BooleanField(default=False)

    class Meta:
        db_table = "core_objectaccess"
        unique_together = (("user", "content_type", "object_id"),)
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="core_objacc_object_idx"),
        ]

    def __str__(self):
        return "%s => %s (%s)" % (self.user, self.content_object, self.content_type)


class Log(models.Model):
    """A line of the administrators' log (``core_log``)."""

    date_created = models.DateTimeField(auto_now_add=True, db_index=True)
    message = models.CharField(_("message"), max_length=255)
    level = models.CharField(_("level"), max_length=15)
    logger = models.CharField(_("logger"), max_length=30)

    class Meta:
        db_table = "core_log"

    def __str__(self):
        return self.message


class LocalConfig(models.Model):
    """The single row holding this instance's configuration."""

    api_pk = models.PositiveIntegerField(null=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE)
    api_versions = models.JSONField(default=list)
    _parameters = models.JSONField(default=dict, db_column="_parameters")

    class Meta:
        db_table = "core_localconfig"

    def __str__(self):
        return "LocalConfig(%s)" % self.site_id

    @property
    def parameters(self):
        from modoboa.parameters.tools import GlobalParameters

        return GlobalParameters(self)


def get_role_groups():
    """Return ``{name: Group}`` for the three role groups."""
    return {group.name: group for group in Group.objects.filter(name__in=constants.GROUP_ROLES)}


class LoginFailure(models.Model):
    """A failed login (or a password reset request), kept for a while to
    slow down and then refuse guessing (see ``core.throttling``).

    Rows live in the database so that every process and every server of
    an instance shares the same counts.
    """

    kind = models.CharField(max_length=16)
    username = models.CharField(max_length=254)
    address = models.CharField(max_length=64)
    created = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "core_loginfailure"
        indexes = [
            models.Index(fields=["kind", "username", "created"], name="core_loginfail_user_idx"),
            models.Index(fields=["kind", "address", "created"], name="core_loginfail_addr_idx"),
        ]

    def __str__(self):
        return "%s %s from %s" % (self.kind, self.username, self.address)


class JobRun(models.Model):
    """The last run of a scheduled job (one row per job), written by the
    job's lock (``modoboa.lib.cronlock.job_lock``) so that the dashboard
    can tell an administrator that cron stopped or a job keeps failing.
    """

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STATUSES = (
        (RUNNING, _("running")),
        (SUCCEEDED, _("succeeded")),
        (FAILED, _("failed")),
    )

    name = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=16, choices=STATUSES)
    message = models.CharField(max_length=255, blank=True, default="")
    last_success_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "core_jobrun"

    def __str__(self):
        return "%s: %s" % (self.name, self.status)
