"""Privacy helpers: keep as little personal data as the job needs. Pure functions."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

__all__ = ["keyed_hash", "truncate_ip"]


def truncate_ip(address: str | None) -> str | None:
    """Drop the host part: IPv4 to /24, IPv6 to /48 (what German data-protection advice uses).

    Enough to see that comments come from one network, too little to name a household.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed_hash(value: str | None, key: str) -> str | None:
    """HMAC-SHA256 of ``value`` under the installation's ``key``.

    Lets moderators see "same commenter as before" without storing the address or e-mail in a
    form that can be reversed by hashing all 4 billion IPv4 addresses.
    """
    if not value:
        return None
    normalised = value.strip().lower().encode("utf-8")
    return hmac.new(key.encode("utf-8"), normalised, hashlib.sha256).hexdigest()
