"""Privacy helpers: keep as little personal data as the job needs. Pure functions."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

__all__ = ["address_key", "keyed_hash", "truncate_ip"]


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


def address_key(address: str | None, ipv6_prefix: int = 64) -> str | None:
    """The one spelling of a client that rate limits count and address hashes recognise.

    Written forms of one address are one client: ``2001:DB8::1`` and ``2001:db8:0::1``, and an
    IPv4 address and its IPv4-mapped IPv6 form (``::ffff:203.0.113.51``). An IPv6 client is its
    network of ``ipv6_prefix`` bits: a home or a phone gets a whole /64 and picks a new address
    in it at will (privacy extensions), so counting single addresses counts nothing. Something
    that is no address (a proxy's odd header) is kept, stripped and in lower case.
    """
    if not address or not address.strip():
        return None
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])  # no IPv6 zone index
    except ValueError:
        return address.strip().lower()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/{ipv6_prefix}", strict=False))


def keyed_hash(value: str | None, key: str) -> str | None:
    """HMAC-SHA256 of ``value`` under the installation's ``key``.

    Lets moderators see "same commenter as before" without storing the address or e-mail in a
    form that can be reversed by hashing all 4 billion IPv4 addresses.
    """
    if not value:
        return None
    normalised = value.strip().lower().encode("utf-8")
    return hmac.new(key.encode("utf-8"), normalised, hashlib.sha256).hexdigest()
