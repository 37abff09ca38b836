"""Where webhooks may go: public addresses, and the networks an operator allows by name.

A webhook URL makes this service send requests wherever it points. Pointed at the service's
own host, a cloud's metadata address (169.254.169.254) or the private network behind it, it
would reach what the internet cannot, and its delivery errors ("connection refused" on one
port, a timeout on another) would map that network. So a URL is refused when its host is, or
resolves to, an address that is not global, unless ``WEBHOOK_ALLOWED_NETWORKS`` names a network
holding it. The check runs when an endpoint is added and again before every delivery, since a
name can resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["Network", "parse_networks", "refused_target"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(setting: str) -> tuple[Network, ...]:
    """The networks in a comma-separated setting (``10.1.2.0/24, 127.0.0.1``);
    ``ValueError`` for anything that is not one."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in setting.split(",")
        if item.strip()
    )


def refused_target(url: str, allowed: tuple[Network, ...] = ()) -> str | None:
    """Why a webhook may not be sent to ``url``, or ``None`` when it may."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return "the URL must start with http:// or https:// and name a host"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return f"{host} does not resolve"
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global and not any(ip in network for network in allowed):
            return (
                f"{host} is {ip}, a private, local or reserved address; allow its network "
                "with SPAMSCHUTZ_WEBHOOK_ALLOWED_NETWORKS if it is meant"
            )
    return None
