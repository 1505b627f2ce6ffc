"""Talking to Modoboa's public API (``settings.MODOBOA_API_URL``).

The cron job ``communicate_with_public_api`` registers the instance, keeps
the list of published versions in ``LocalConfig.api_versions`` (the
Information page and the "update available" notification read it) and
sends anonymous statistics, each step switched by a core parameter. The
API being unreachable is never an error for the instance: the job logs it
and tries again an hour later.
"""

import logging

import requests
from django.conf import settings

import modoboa

logger = logging.getLogger("modoboa.core")

#: (connect, read) seconds: the job must never hang a cron slot.
DEFAULT_TIMEOUT = (3.05, 10)


class PublicAPIError(Exception):
    """The public API could not be reached or answered badly."""


class PublicAPIClient:
    """The few calls the instance makes to the public API."""

    def __init__(self, url=None, timeout=None):
        url = url or getattr(settings, "MODOBOA_API_URL", "https://api.modoboa.org/1/")
        self.url = url if url.endswith("/") else url + "/"
        self.timeout = timeout or getattr(settings, "MODOBOA_API_TIMEOUT", DEFAULT_TIMEOUT)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "modoboa/%s" % modoboa.__version__

    def _request(self, method, path, expected=(200,), **kwargs):
        try:
            response = self.session.request(
                method, self.url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise PublicAPIError("%s %s: %s" % (method, path, exc)) from None
        if response.status_code not in expected:
            raise PublicAPIError("%s %s: HTTP %d" % (method, path, response.status_code))
        if response.status_code == 404 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise PublicAPIError("%s %s: the answer is not JSON" % (method, path)) from None

    def find_instance(self, hostname):
        """Return the pk of the instance registered for ``hostname``, or None."""
        data = self._request(
            "GET", "instances/search/", expected=(200, 404), params={"hostname": hostname}
        )
        if isinstance(data, dict) and isinstance(data.get("pk"), int):
            return data["pk"]
        return None

    def register_instance(self, hostname):
        data = self._request(
            "POST",
            "instances/",
            expected=(200, 201),
            json={"hostname": hostname, "known_version": modoboa.__version__},
        )
        if not isinstance(data, dict) or not isinstance(data.get("pk"), int):
            raise PublicAPIError("POST instances/: no instance id in the answer")
        return data["pk"]

    def versions(self):
        """Return ``[{"name", "version", "url"}]`` of the published packages."""
        data = self._request("GET", "versions/")
        if not isinstance(data, list):
            raise PublicAPIError("GET versions/: a list was expected")
        return [
            {
                "name": str(item.get("name", "")),
                "version": str(item.get("version", "")),
                "url": str(item.get("url", "")),
            }
            for item in data
            if isinstance(item, dict) and item.get("name")
        ]

    def update_instance(self, pk, data):
        self._request("PUT", "instances/%d/" % pk, expected=(200, 201, 204), json=data)


def collect_statistics(hostname):
    """The anonymous counters sent when ``send_statistics`` is on."""
    from modoboa.admin.models import Alias, Domain, DomainAlias, Mailbox

    from .extensions import exts_pool

    return {
        "hostname": hostname,
        "known_version": modoboa.__version__,
        "domain_counter": Domain.objects.count(),
        "domain_alias_counter": DomainAlias.objects.count(),
        "mailbox_counter": Mailbox.objects.count(),
        "alias_counter": Alias.objects.filter(internal=False).count(),
        "extensions": [ext["name"] for ext in exts_pool.list_all() if ext.get("name")],
    }


def communicate(client=None):
    """Do what the parameters ask; return the list of steps done.

    Raise PublicAPIError when the API cannot be reached.
    """
    from modoboa.core.services import ensure_localconfig
    from modoboa.parameters import tools as param_tools

    params = param_tools.get_global_parameters("core")
    if not params["enable_api_communication"]:
        return []
    client = client or PublicAPIClient()
    localconfig = ensure_localconfig()
    hostname = localconfig.site.domain
    done = []
    if localconfig.api_pk is None:
        pk = client.find_instance(hostname)
        if pk is None:
            pk = client.register_instance(hostname)
        localconfig.api_pk = pk
        localconfig.save(update_fields=["api_pk"])
        done.append("registered")
    if params["check_new_versions"]:
        versions = client.versions()
        if versions != localconfig.api_versions:
            localconfig.api_versions = versions
            localconfig.save(update_fields=["api_versions"])
        done.append("versions")
    if params["send_statistics"]:
        client.update_instance(localconfig.api_pk, collect_statistics(hostname))
        done.append("statistics")
    return done
