"""The panel's CardDAV client of the Radicale server, logged in as the
address book's owner (``modoboa.radicale.client.user_credentials``): every
request is subject to the user's own rights there.

Answers are parsed with defusedxml (the server's XML is not trusted to be
harmless); every failure is a typed error with a message for the user.
"""

from urllib.parse import quote, unquote, urljoin, urlsplit

import requests
from defusedxml import ElementTree
from django.utils.translation import gettext as _

from modoboa.lib.exceptions import ModoboaException
from modoboa.radicale import client as radicale_client

TIMEOUT = 10
#: vCards larger than this are not read (a hostile or broken card).
MAX_CARD_BYTES = 256 * 1024
DAV = "{DAV:}"
CARDDAV = "{urn:ietf:params:xml:ns:carddav}"

MKCOL_BODY = """<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">
  <D:set><D:prop>
    <D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>
    <D:displayname>Contacts</D:displayname>
  </D:prop></D:set>
</D:mkcol>
"""
PROPFIND_ETAGS = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>
"""
MULTIGET = """<?xml version="1.0" encoding="utf-8"?>
<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:getetag/><CR:address-data/></D:prop>
  {hrefs}
</CR:addressbook-multiget>
"""


class CardDAVError(ModoboaException):
    """The address book server cannot be reached or refused a request."""

    http_code = 503


class PreconditionFailed(CardDAVError):
    """The card changed on the server since it was read (another device)."""

    http_code = 409


class AddressBookClient:
    """The address book at ``path`` (``<address>/contacts``) of ``address``."""

    def __init__(self, address, path):
        self.auth = radicale_client.user_credentials(address)
        try:
            base = radicale_client.server_url()
        except radicale_client.RadicaleError as exc:
            raise CardDAVError(str(exc)) from None
        self.base = base
        self.url = base + "/".join(quote(part, safe="@") for part in path.split("/")) + "/"
        self.path = urlsplit(self.url).path

    def _request(self, method, url, body=None, headers=None, expected=(200, 201, 204, 207)):
        headers = dict(headers or {})
        if body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        try:
            response = requests.request(
                method,
                url,
                data=body.encode("utf-8") if isinstance(body, str) else body,
                headers=headers,
                auth=self.auth,
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise CardDAVError(
                _("The address book server at %(url)s does not answer (%(error)s).")
                % {"url": self.base, "error": exc.__class__.__name__}
            ) from None
        if response.status_code == 412:
            raise PreconditionFailed(
                _("This contact was changed on another device; the address book was reloaded.")
            )
        if response.status_code not in expected:
            raise CardDAVError(
                _("The address book server refused %(method)s (%(status)s).")
                % {"method": method, "status": response.status_code}
            )
        return response

    def _parse(self, response):
        try:
            return ElementTree.fromstring(response.content)
        except (ElementTree.ParseError, ValueError) as exc:
            raise CardDAVError(
                _("The address book server sent an unreadable answer (%s).") % exc
            ) from None

    def card_url(self, href):
        return urljoin(self.url, href)

    def ensure(self):
        """Create the address book collection unless it exists."""
        response = self._request(
            "PROPFIND", self.url, PROPFIND_ETAGS, {"Depth": "0"}, expected=(207, 404)
        )
        if response.status_code == 404:
            self._request("MKCOL", self.url, MKCOL_BODY, expected=(201,))

    def etags(self):
        """``{href: etag}`` of the cards on the server."""
        response = self._request(
            "PROPFIND", self.url, PROPFIND_ETAGS, {"Depth": "1"}, expected=(207, 404)
        )
        if response.status_code == 404:
            self.ensure()
            return {}
        result = {}
        for entry in self._parse(response).iter(DAV + "response"):
            href = unquote(entry.findtext(DAV + "href", "")).strip()
            if not href or href.rstrip("/") == unquote(self.path).rstrip("/"):
                continue
            if entry.find(".//%sresourcetype/%scollection" % (DAV, DAV)) is not None:
                continue
            etag = entry.findtext(".//%sgetetag" % DAV)
            if etag:
                result[href.rsplit("/", 1)[-1]] = etag
        return result

    def multiget(self, hrefs):
        """``{href: (etag, vcard text)}`` of the given cards."""
        if not hrefs:
            return {}
        body = MULTIGET.format(
            hrefs="".join(
                "<D:href>%s</D:href>" % (self.path + quote(href)).replace("&", "&amp;")
                for href in hrefs
            )
        )
        response = self._request("REPORT", self.url, body, {"Depth": "1"}, expected=(207,))
        result = {}
        for entry in self._parse(response).iter(DAV + "response"):
            href = unquote(entry.findtext(DAV + "href", "")).rsplit("/", 1)[-1]
            data = entry.findtext(".//%saddress-data" % CARDDAV)
            etag = entry.findtext(".//%sgetetag" % DAV)
            if href and data is not None and etag:
                result[href] = (etag, data)
        return result

    def put(self, href, text, etag=None):
        """Store a card; ``etag`` is the version it replaces (None: a new
        card). Return the new ETag.
        """
        headers = {"Content-Type": "text/vcard; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        else:
            headers["If-None-Match"] = "*"
        url = self.card_url(quote(href))
        response = self._request("PUT", url, text, headers, expected=(200, 201, 204, 409))
        if response.status_code == 409:
            # No address book yet (409: no parent collection): make it, once.
            self.ensure()
            response = self._request("PUT", url, text, headers, expected=(200, 201, 204))
        new = response.headers.get("ETag")
        if not new:
            new = self._request("HEAD", url, expected=(200,)).headers.get("ETag", "")
        return new

    def delete(self, href, etag=None):
        headers = {"If-Match": etag} if etag else {}
        self._request(
            "DELETE", self.card_url(quote(href)), None, headers, expected=(200, 204, 404)
        )
