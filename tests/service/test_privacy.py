"""Addresses are kept truncated and as keyed hashes only."""

from __future__ import annotations

from service.privacy import keyed_hash, truncate_ip


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
