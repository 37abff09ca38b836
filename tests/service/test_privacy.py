"""Addresses are kept truncated and as keyed hashes only."""

from __future__ import annotations

from spamschutz.service.privacy import keyed_hash, truncate_ip


def test_ipv4_is_truncated_to_24_bits() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"


def test_ipv6_is_truncated_to_48_bits() -> None:
    assert truncate_ip("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"


def test_ipv4_mapped_ipv6_is_treated_as_ipv4() -> None:
    assert truncate_ip("::ffff:198.51.100.9") == "198.51.100.0/24"


def test_garbage_address_gives_nothing() -> None:
    assert truncate_ip("not-an-ip") is None
    assert truncate_ip(None) is None


def test_keyed_hash_depends_on_the_key_and_ignores_case() -> None:
    assert keyed_hash("A@Example.com", "k1") == keyed_hash("a@example.com", "k1")
    assert keyed_hash("a@example.com", "k1") != keyed_hash("a@example.com", "k2")
    assert keyed_hash(None, "k1") is None


def test_address_key_is_one_spelling_per_client() -> None:
    from spamschutz.service.privacy import address_key

    assert address_key("2001:DB8:9:1::1") == address_key("2001:db8:9:1:0:0:0:1")
    assert address_key("2001:db8:9:1::1") == address_key("2001:db8:9:1:ffff::19") == (
        "2001:db8:9:1::/64"
    )
    assert address_key("2001:db8:9:2::1") != address_key("2001:db8:9:1::1")
    assert address_key("::ffff:203.0.113.51") == address_key("203.0.113.51") == "203.0.113.51"
    assert address_key("2001:db8:9:1::1", ipv6_prefix=128) == "2001:db8:9:1::1/128"
    assert address_key("fe80::1%eth0") == "fe80::/64"
    assert address_key(" Not-An-IP ") == "not-an-ip"
    assert address_key(None) is None and address_key("  ") is None
