"""Credentials documents: made, kept encrypted, handed over, removed.

A document is written for an account when it is created (and, if the
parameter says so, when an administrator changes its password), encrypted
with ``modoboa.lib.encryption`` into ``<storage_dir>/<account id>.pdf.enc``.
Only administrators who reach the account may download it; it is removed
after the first download when the parameter says so, and with the account.
"""

import logging
import os
import tempfile

from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from modoboa.lib import encryption
from modoboa.lib.exceptions import ModoboaException, NotFound
from modoboa.lib.safe_files import fill_new_file, remove_quietly
from modoboa.parameters import tools as param_tools

from . import documents, forms

logger = logging.getLogger("modoboa.admin")

APP = "modoboa_pdfcredentials"
PURPOSE = "pdfcredentials"


class StorageError(ModoboaException):
    """The storage directory cannot be written."""

    http_code = 500


def _params():
    return param_tools.get_global_parameters(APP)


def document_path(account):
    """Where the encrypted document of ``account`` lives."""
    return os.path.join(_params()["storage_dir"], "%d.pdf.enc" % account.pk)


def has_document(account):
    return os.path.exists(document_path(account))


def panel_url():
    """The URL users log in at: the parameter, else the site over https."""
    configured = _params().get("webpanel_url")
    if configured:
        return configured.rstrip("/")
    return "https://%s" % Site.objects.get_current().domain


def set_password_url(account):
    """A link that lets ``account`` choose its password once (the token dies
    when the password changes, and after ``PASSWORD_RESET_TIMEOUT``).
    """
    path = reverse(
        "core:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
            "token": default_token_generator.make_token(account),
        },
    )
    return panel_url() + path


def document_content(account, password=None):
    """The values printed in ``account``'s document."""
    params = _params()
    title = params["title"]
    content = {
        "title": _(title) if title == forms.DEFAULT_TITLE else title,
        "fullname": account.fullname or account.username,
        "panel_url": panel_url(),
        "username": account.username,
        "custom_message": params.get("custom_message") or "",
        "connection": [],
    }
    if params["include_password"] and password:
        content["password"] = password
    else:
        content["set_password_url"] = set_password_url(account)
    if params["include_connection_settings"]:
        for service in ("smtp", "imap"):
            content["connection"].append(
                (
                    service.upper(),
                    params.get("%s_server_address" % service) or "",
                    params["%s_server_port" % service],
                    params["%s_connection_security" % service],
                )
            )
    return content


def generate_document(account, password=None):
    """Write (or replace) the encrypted document of ``account``; return its
    path. The password is printed only when ``include_password`` is on.
    """
    data = documents.render(document_content(account, password))
    blob = encryption.encrypt(data, PURPOSE)
    path = document_path(account)
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        fill_new_file(fd, temporary, blob, prepare=lambda fd: os.fchmod(fd, 0o600))
        os.replace(temporary, path)
    except OSError as exc:
        raise StorageError(
            _("Cannot write the credentials document in %(dir)s: %(error)s")
            % {"dir": directory, "error": exc.strerror or exc}
        ) from None
    return path


def can_download(user, account):
    """Administrators who may create accounts and reach ``account``."""
    return (
        user.is_authenticated
        and user.is_admin
        and user.has_perm("core.add_user")
        and user.pk != account.pk
        and user.can_access(account)
    )


def take_document(user, account):
    """Return the clear PDF of ``account`` for ``user``, removing the file
    when documents are deleted after the first download.
    """
    if not can_download(user, account):
        raise PermissionDenied
    path = document_path(account)
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except FileNotFoundError:
        raise NotFound(_("No credentials document for this account.")) from None
    data = encryption.decrypt(blob, PURPOSE)
    if _params()["delete_first_dl"]:
        remove_quietly(path)
    return data


def remove_document_file(path):
    remove_quietly(path)
