"""HTTP hardening middleware: the client address behind a trusted proxy and
the Content-Security-Policy header.

``TrustedProxyMiddleware`` replaces the ``x_forwarded_for`` middleware of
upstream's settings, which copied the first address of ``X-Forwarded-For``
into ``REMOTE_ADDR`` whoever sent the header: any client could then choose
the address that login throttling counts and the authentication log shows
(a way around the per-address limits of CVE-2023-0777 and CVE-2023-0860).
Here the header is only read when the request comes from one of
``MODOBOA_TRUSTED_PROXIES``, and the client is the last hop that is not
itself a trusted proxy (a proxy appends the address it saw; anything to
the left of it was written by the client).

``ContentSecurityPolicyMiddleware`` sends ``MODOBOA_CONTENT_SECURITY_POLICY``
on every response that has no policy of its own. The console uses no inline
script, style or event handler, so the default policy allows none.
"""

import ipaddress
from functools import wraps

from django.conf import settings

from . import settings_defaults


def _networks(values):
    networks = []
    unix = False
    for value in values:
        value = str(value).strip()
        if value == "unix":
            unix = True
            continue
        networks.append(ipaddress.ip_network(value, strict=False))
    return networks, unix


def _address(value):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """Take the client address from ``X-Forwarded-For`` only when the
    request comes from a trusted proxy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if "HTTP_X_FORWARDED_PROTO" in meta and not from_trusted_proxy(
            meta.get("REMOTE_ADDR", "")
        ):
            # SECURE_PROXY_SSL_HEADER believes it: only a proxy may say
            # the client used HTTPS.
            del meta["HTTP_X_FORWARDED_PROTO"]
        meta["REMOTE_ADDR"] = client_address(
            meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", "")
        )
        return self.get_response(request)


def from_trusted_proxy(remote_addr, trusted_proxies=None):
    """Tell whether a request from ``remote_addr`` comes from a trusted
    proxy (an empty address is a Unix socket).
    """
    if trusted_proxies is None:
        trusted_proxies = getattr(
            settings, "MODOBOA_TRUSTED_PROXIES", settings_defaults.MODOBOA_TRUSTED_PROXIES
        )
    if isinstance(trusted_proxies, str):
        trusted_proxies = trusted_proxies.split(",")
    networks, unix = _networks(trusted_proxies)
    if not remote_addr:
        return unix
    remote = _address(remote_addr)
    return remote is not None and any(
        remote.version == net.version and remote in net for net in networks
    )


def client_address(remote_addr, forwarded_for, trusted_proxies=None):
    """The client's address for a request from ``remote_addr`` that carries
    ``forwarded_for`` (the raw ``X-Forwarded-For`` value).
    """
    if not forwarded_for:
        return remote_addr
    if trusted_proxies is None:
        trusted_proxies = getattr(
            settings, "MODOBOA_TRUSTED_PROXIES", settings_defaults.MODOBOA_TRUSTED_PROXIES
        )
    if isinstance(trusted_proxies, str):
        trusted_proxies = trusted_proxies.split(",")
    networks, unix = _networks(trusted_proxies)

    def trusted(address):
        return any(address.version == net.version and address in net for net in networks)

    if remote_addr:
        remote = _address(remote_addr)
        if remote is None or not trusted(remote):
            return remote_addr
    elif not unix:
        return remote_addr
    client = remote_addr
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            # Garbage: whatever is left of it cannot be trusted either.
            break
        client = str(address)
        if not trusted(address):
            break
    return client


def render_policy(policy):
    """``{directive: [sources]}`` as a header value."""
    parts = []
    for directive, sources in policy.items():
        if isinstance(sources, str):
            sources = [sources]
        parts.append(" ".join([directive, *sources]).strip())
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Add the instance's Content-Security-Policy to every response that
    does not set one (a page needing another policy sets its own).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(
            settings,
            "MODOBOA_CONTENT_SECURITY_POLICY",
            settings_defaults.MODOBOA_CONTENT_SECURITY_POLICY,
        )
        self.header = render_policy(policy) if isinstance(policy, dict) else str(policy)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response


def content_security_policy(policy):
    """Decorate a view whose pages need ``policy`` (a dict, as in the
    settings) instead of the instance's.
    """
    header = render_policy(policy)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Content-Security-Policy"] = header
            return response

        return wrapper

    return decorator


#: Pages of vendored tools with inline styles and data: images, whose
#: scripts are still files: Swagger UI (``/docs/api/``, the split view) and,
#: with the hashes of its own inline scripts added, CKEditor's image browser.
INLINE_STYLES_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
