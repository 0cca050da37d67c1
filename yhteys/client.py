"""Who is asking: pseudonymous keys for rate limits, never a raw IP address or cookie."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from starlette.requests import Request

from yhteys import csrf
from yhteys.settings import get_settings


def trusted_proxy(peer: str) -> bool:
    """The peer is one of TRUSTED_PROXIES: its forwarding headers are believed."""
    proxies = get_settings().trusted_proxies
    if not proxies or not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in proxies)


def client_ip(request: Request) -> str:
    """The client's address; X-Forwarded-For is believed only from TRUSTED_PROXIES."""
    peer = request.client.host if request.client else ""
    if not trusted_proxy(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    # Walk from the nearest hop back; the first untrusted one is the client.
    for hop in reversed(hops):
        if not trusted_proxy(hop):
            return hop
    return hops[0] if hops else peer


def client_key(request: Request) -> str:
    """A keyed hash of the client's address: counts per client without storing the address."""
    ip = client_ip(request)
    try:
        network = ipaddress.ip_network(ip + ("/64" if ":" in ip else "/32"), strict=False)
        ip = str(network.network_address)  # one IPv6 /64 is one client
    except ValueError:
        pass
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"client|{ip}".encode(), hashlib.sha256).hexdigest()[:24]


def browser_key(request: Request) -> str | None:
    """A keyed hash of the browser's CSRF cookie: one browser session, however many people share
    its address. None when the request carries no such cookie (an API client, cookies off)."""
    cookie = csrf.browser_cookie_id(request)
    if cookie is None:
        return None
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"browser|{cookie}".encode(), hashlib.sha256).hexdigest()[:24]
