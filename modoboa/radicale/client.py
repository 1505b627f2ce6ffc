"""The panel's client of the Radicale server: it creates and removes the
collections of the calendars it manages, logged in as Modoboa's service
login (see ``service_credentials``), with time-outs and typed errors.
"""

import contextvars
import hashlib
import hmac
import html
import logging
import time
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import ModoboaException
from modoboa.parameters import tools as param_tools

APP = "modoboa_radicale"
SERVICE_LOGIN = "modoboa-service"
TIMEOUT = 10
#: Seconds to open a connection to the server within a time budget.
CONNECT_TIMEOUT = 2

logger = logging.getLogger("modoboa.admin")

MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set>
</C:mkcalendar>
"""


class RadicaleError(ModoboaException):
    """The Radicale server cannot be reached or refused the change."""

    http_code = 502


class BudgetExhausted(RadicaleError):
    """The time given to the current run is over: the work stops before the
    next request (what is left is done by a later run).
    """


#: The ``time.monotonic()`` by which the current run stops (None: no limit).
_deadline = contextvars.ContextVar("radicale_deadline", default=None)


@contextmanager
def time_budget(seconds):
    """Within it, no request starts after ``seconds`` have passed (it
    raises BudgetExhausted instead) and none waits beyond them: each one's
    connect and read time-outs are cut to the time left.
    """
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _timeout():
    deadline = _deadline.get()
    if deadline is None:
        return TIMEOUT
    left = deadline - time.monotonic()
    if left <= 0:
        raise BudgetExhausted(
            _("Interrupted: the time given to this run was over; the next run continues it.")
        )
    return (min(CONNECT_TIMEOUT, left), min(TIMEOUT, left))


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


def _request(
    method, path, body=None, expected=(200, 201, 204, 207), depth=None, item=False, headers=None
):
    url = collection_url(path)
    if item:
        # An item (an event, a card): no trailing slash.
        url = url[:-1]
    headers = dict(headers or {})
    if body and "Content-Type" not in headers:
        headers["Content-Type"] = "application/xml; charset=utf-8"
    if depth is not None:
        headers["Depth"] = depth
    timeout = _timeout()
    try:
        response = requests.request(
            method,
            url,
            data=body.encode("utf-8") if isinstance(body, str) else body,
            headers=headers,
            auth=service_credentials(),
            timeout=timeout,
            allow_redirects=False,
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


# Copying collections (a renamed mailbox or domain): Radicale has no MOVE
# for collections, so a tree is copied over WebDAV, then the old one removed.

DAV = "{DAV:}"
#: The properties a copy keeps: names, colours, descriptions, the kind.
COPIED_PROPS = (
    "<D:resourcetype/><D:displayname/><D:getcontenttype/>"
    "<C:calendar-description/><C:supported-calendar-component-set/>"
    "<ICAL:calendar-color/><CR:addressbook-description/>"
)
PROPFIND_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
    ' xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:ICAL="http://apple.com/ns/ical/">'
    "<D:prop>%s</D:prop></D:propfind>" % COPIED_PROPS
)
#: Live properties: they describe the item, MKCOL does not set them.
NOT_COPIED = {DAV + "getcontenttype"}


def _members(path):
    """``(name, is_collection, props, content type)`` of the members of the
    collection ``path`` and the same for ``path`` itself (name None), or
    None when it does not exist. ``props`` are the XML elements found.
    """
    from defusedxml import ElementTree

    response = _request("PROPFIND", path, PROPFIND_BODY, expected=(207, 404), depth="1")
    if response.status_code == 404:
        return None
    try:
        root = ElementTree.fromstring(response.content)
    except (ElementTree.ParseError, ValueError) as exc:
        # Only logged (a rename's copy): not translated.
        raise RadicaleError("The Radicale server sent an unreadable answer (%s)." % exc) from None
    own = urlsplit(collection_url(path)).path.rstrip("/")
    result = []
    for entry in root.iter(DAV + "response"):
        href = unquote(entry.findtext(DAV + "href", "")).strip().rstrip("/")
        props = []
        for propstat in entry.iter(DAV + "propstat"):
            if " 200 " not in propstat.findtext(DAV + "status", "") + " ":
                continue
            for prop in propstat.iter(DAV + "prop"):
                props.extend(list(prop))
        kinds = [p for p in props if p.tag == DAV + "resourcetype"]
        is_collection = bool(kinds) and kinds[0].find(DAV + "collection") is not None
        content_type = next(
            (p.text for p in props if p.tag == DAV + "getcontenttype" and p.text), None
        )
        name = None if href == unquote(own) else href.rsplit("/", 1)[-1]
        if name in ("", ".", ".."):
            continue
        result.append((name, is_collection, props, content_type))
    return result


def _mkcol(path, props):
    from defusedxml import ElementTree

    kept = "".join(
        ElementTree.tostring(prop, encoding="unicode")
        for prop in props
        if prop.tag not in NOT_COPIED
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:">'
        "<D:set><D:prop>%s</D:prop></D:set></D:mkcol>" % kept
    )
    _request("MKCOL", path, body, expected=(201,))


def _ensure_parents(path):
    parts = path.split("/")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if not _exists(parent):
            _request("MKCOL", parent, expected=(201,))


def _copy_item(source, target, content_type):
    """Copy one item; one already at ``target`` (a copy an earlier attempt
    made, or a change made since under the new name) is kept: the same
    content is fine, another one is logged and left as it is.
    """
    item = _request("GET", source, expected=(200,), item=True)
    response = _request(
        "PUT",
        target,
        item.content,
        expected=(201, 204, 412),
        item=True,
        headers={
            "Content-Type": content_type or item.headers.get("Content-Type", "text/plain"),
            "If-None-Match": "*",
        },
    )
    if response.status_code != 412:
        return
    existing = _request("GET", target, expected=(200,), item=True)
    if existing.content != item.content:
        logger.warning(
            "Radicale item %s differs from %s: the one under the new name is kept",
            target,
            source,
        )


def _copy(source, target, own_props):
    """Copy the collection ``source`` (already listed: ``own_props``) to
    ``target``, completing what an interrupted copy left there.
    """
    members = _members(source) or []
    own = [m for m in members if m[0] is None]
    props = own[0][2] if own else own_props
    if not _exists(target):
        _mkcol(target, props)
    for name, is_collection, child_props, content_type in members:
        if name is None:
            continue
        if is_collection:
            _copy("%s/%s" % (source, name), "%s/%s" % (target, name), child_props)
            continue
        _copy_item("%s/%s" % (source, name), "%s/%s" % (target, name), content_type)


def copy_collections(moves):
    """Copy each ``(old path, new path)`` of ``moves`` with its properties,
    collections and items (the caller removes the old ones once every copy
    is complete). Paths that do not exist are skipped; what an interrupted
    copy already made under a new path is completed, not an error. Any
    failure raises RadicaleError. Return the pairs copied.
    """
    copied = []
    for source, target in moves:
        if _members(source) is None:
            continue
        _ensure_parents(target)
        _copy(source, target, [])
        copied.append((source, target))
    return copied
