"""Fields and helpers shared by every administrative object."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone


class AccessQuerySet(models.QuerySet):
    """QuerySet with the per-administrator access filter."""

    def get_for_admin(self, admin):
        """Return the rows ``admin`` may see and manage."""
        from modoboa.core.access import filter_for_admin

        return filter_for_admin(admin, self)


class AdminObjectManager(models.Manager.from_queryset(AccessQuerySet)):
    """Manager adding the per-administrator access filter."""


class AdminObject(models.Model):
    """Abstract base: creation and modification dates, and owners."""

    creation = models.DateTimeField(default=timezone.now)
    last_modification = models.DateTimeField(auto_now=True)
    owners = GenericRelation("core.ObjectAccess")

    objects = AdminObjectManager()

    class Meta:
        abstract = True

    @property
    def objectname(self):
        return self.__class__.__name__

    def post_create(self, creator):
        """Give ``creator`` the ownership of this object."""
        from modoboa.core.access import grant_access

        grant_access(self, creator, is_owner=True)
