"""The panel's client of the Radicale server: it creates and removes the
collections of the calendars it manages, logged in as Modoboa's service
login (see ``service_credentials``), with time-outs and typed errors.
"""

import hashlib
import hmac
import html
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import ModoboaException
from modoboa.parameters import tools as param_tools

APP = "modoboa_radicale"
SERVICE_LOGIN = "modoboa-service"
TIMEOUT = 10

MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set>
</C:mkcalendar>
"""


class RadicaleError(ModoboaException):
    """The Radicale server cannot be reached or refused the change."""

    http_code = 502


def service_credentials():
    """Modoboa's own login on Radicale: a secret derived from SECRET_KEY,
    never stored; Radicale asks the panel to check it like any login.
    """
    secret = hmac.new(
        settings.SECRET_KEY.encode(), b"modoboa-radicale-service", hashlib.sha256
    ).hexdigest()
    return SERVICE_LOGIN, secret


def user_credentials(address):
    """The panel's login on Radicale as the mailbox ``address`` (the address
    books it keeps for the user): a secret derived from SECRET_KEY and the
    address, never stored nor shown; the plugin's check accepts it for an
    active mailbox only, so Radicale applies the user's own rights.
    """
    address = address.lower()
    secret = hmac.new(
        settings.SECRET_KEY.encode(),
        b"modoboa-radicale-user:" + address.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    return address, secret


def server_url():
    url = param_tools.get_global_parameter("server_location", app=APP)
    if not url:
        raise RadicaleError(_("The Radicale server location parameter is not set."))
    return url.rstrip("/") + "/"


def collection_url(path):
    return server_url() + "/".join(quote(part, safe="@") for part in path.split("/")) + "/"


def _request(method, path, body=None, expected=(200, 201, 204, 207)):
    url = collection_url(path)
    headers = {"Content-Type": "application/xml; charset=utf-8"} if body else {}
    try:
        response = requests.request(
            method,
            url,
            data=body.encode("utf-8") if body else None,
            headers=headers,
            auth=service_credentials(),
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RadicaleError(
            _("The Radicale server at %(url)s does not answer: %(error)s")
            % {"url": server_url(), "error": exc.__class__.__name__}
        ) from None
    if response.status_code not in expected:
        raise RadicaleError(
            _("The Radicale server refused %(method)s %(path)s (%(status)s).")
            % {"method": method, "path": path, "status": response.status_code}
        )
    return response


def _exists(path):
    response = _request("PROPFIND", path, expected=(207, 404))
    return response.status_code == 207


def create_calendar(path, name):
    """Create the calendar collection at ``path`` (and its parents)."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if not _exists(parent):
            _request("MKCOL", parent, expected=(201,))
    if not _exists(path):
        body = MKCALENDAR_BODY.format(name=html.escape(name))
        _request("MKCALENDAR", path, body, expected=(201,))


def delete_calendar(path):
    _request("DELETE", path, expected=(200, 204, 404))
