"""Radicale authentication plugin: Radicale asks Modoboa whether a login and
password are right.

This module is loaded by Radicale itself (``[auth] type =
modoboa.radicale.radicale_auth``, with the directory holding the ``modoboa``
package on Radicale's ``PYTHONPATH``), in Radicale's own Python: it imports
nothing from Django and nothing outside the standard library but Radicale.
Options of the ``[auth]`` section:

``modoboa_url``
    The panel's check URL (``https://mail.example.com/calendars/auth/``).
``modoboa_timeout``
    Seconds to wait for the panel (5 by default).
``modoboa_cafile``
    A CA bundle to check the panel's certificate with (the system's by
    default).

The panel answers 200 for a mailbox owner's right password (and for
Modoboa's own service login, which creates the calendars), 403 otherwise;
anything else (the panel down, a timeout) refuses the login, and Radicale
logs why.
"""

import json
import ssl
import urllib.error
import urllib.request

from radicale import auth
from radicale.log import logger


class Auth(auth.BaseAuth):
    """Logins checked by Modoboa."""

    def __init__(self, configuration):
        super().__init__(configuration)

        def option(name, default=None):
            try:
                return configuration.get("auth", name)
            except KeyError:
                return default

        self._url = option("modoboa_url")
        if not self._url or not self._url.startswith(("http://", "https://")):
            raise RuntimeError("[auth] modoboa_url must be the panel's http(s) URL")
        self._timeout = float(option("modoboa_timeout", 5))
        self._context = ssl.create_default_context(cafile=option("modoboa_cafile"))

    def login(self, login, password):
        body = json.dumps({"username": login, "password": password}).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            self._url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - http(s) only, checked above
                request, timeout=self._timeout, context=self._context
            ) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code != 403:
                logger.error("Modoboa answered %s to the login of %r", exc.code, login)
            return ""
        except (OSError, ValueError) as exc:
            logger.error("Modoboa at %s cannot check %r: %s", self._url, login, exc)
            return ""
        return answer.get("user", "") if isinstance(answer, dict) else ""
