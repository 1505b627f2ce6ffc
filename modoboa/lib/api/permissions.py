"""Permission classes of the API.

Two layers guard every endpoint. Model permissions (Django's ``add_``,
``change_`` and ``delete_`` codenames, nothing for reading) say what a role
may do at all; object access (``Model.objects.get_for_admin``) says which
rows it reaches, and the viewsets apply it to their querysets so that an
object out of reach answers 404.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, DjangoModelPermissions

from modoboa.core import constants


def is_admin(user):
    """Tell whether ``user`` is an authenticated administrator."""
    return bool(user and user.is_authenticated and user.role in constants.ADMIN_ROLES)


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions, with reading free of any permission."""

    perms_map = {
        "GET": [],
        "OPTIONS": [],
        "HEAD": [],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


class IsAdministrator(BasePermission):
    """Only super administrators, resellers and domain administrators.

    Simple users administer nothing: the API is closed to them except
    where a view says otherwise (changing their own password).
    """

    message = _("You are not allowed to use this endpoint.")

    def has_permission(self, request, view):
        return is_admin(request.user)
