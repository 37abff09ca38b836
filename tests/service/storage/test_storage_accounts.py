"""Moderator accounts and API tokens."""

from __future__ import annotations

import hashlib

import pytest

from spamschutz.service.storage import ConflictError, NotFound
from spamschutz.service.storage.accounts import AccountStore, TokenCache


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_added_moderator_can_be_found_by_name(stores, clock):
    added = stores.accounts.add_moderator("anna", "$argon2id$hash-1")
    assert stores.accounts.get_moderator("anna") == added
    assert (added.session_epoch, added.disabled, added.created_at) == (0, False, clock.now)


def test_unknown_moderator_is_none(stores):
    assert stores.accounts.get_moderator("nobody") is None


def test_moderator_name_is_unique(stores):
    stores.accounts.add_moderator("anna", "hash-1")
    with pytest.raises(ConflictError):
        stores.accounts.add_moderator("anna", "hash-2")
    assert stores.accounts.get_moderator("anna").password_hash == "hash-1"


def test_password_change_ends_existing_sessions(stores):
    before = stores.accounts.add_moderator("anna", "old")
    after = stores.accounts.set_moderator_password("anna", "new")
    assert after.password_hash == "new"
    assert after.session_epoch == before.session_epoch + 1


def test_disabling_a_moderator_ends_their_sessions(stores):
    before = stores.accounts.add_moderator("anna", "hash")
    after = stores.accounts.set_moderator_disabled("anna", True)
    assert after.disabled is True
    assert after.session_epoch > before.session_epoch


def test_changing_an_unknown_moderator_is_not_found(stores):
    with pytest.raises(NotFound):
        stores.accounts.set_moderator_password("nobody", "hash")


def test_moderators_are_listed_by_name(stores):
    for name in ("carla", "anna", "ben"):
        stores.accounts.add_moderator(name, "hash")
    assert [row.name for row in stores.accounts.list_moderators()] == ["anna", "ben", "carla"]


def test_token_is_found_by_its_hash_until_revoked(stores):
    added = stores.accounts.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = stores.accounts.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
    assert stores.accounts.find_api_token(_hash("other")) is None
    assert stores.accounts.revoke_api_token("zeitung.example") == 1
    assert stores.accounts.find_api_token(_hash("secret-1")) is None
    assert stores.accounts.revoke_api_token("zeitung.example") == 0  # nothing left to revoke
    [listed] = stores.accounts.list_api_tokens()
    assert listed.revoked_at is not None


def test_token_can_be_revoked_by_id_leaving_same_named_tokens(stores):
    first = stores.accounts.add_api_token("site", _hash("one"), "site")
    stores.accounts.add_api_token("site", _hash("two"), "site")
    assert stores.accounts.revoke_api_token(first.id) == 1
    assert stores.accounts.find_api_token(_hash("one")) is None
    assert stores.accounts.find_api_token(_hash("two")) is not None


def test_token_use_is_recorded_to_the_minute(stores, clock):
    stores.accounts.add_api_token("admin", _hash("a"), "admin")
    assert stores.accounts.list_api_tokens()[0].last_used_at is None
    used_at = clock.advance(hours=1)
    assert stores.accounts.find_api_token(_hash("a")).last_used_at == used_at
    stores.accounts.token_cache.clear()
    clock.advance(seconds=30)  # within the minute: no new write
    stores.accounts.find_api_token(_hash("a"))
    assert stores.accounts.list_api_tokens()[0].last_used_at == used_at
    stores.accounts.token_cache.clear()
    later = clock.advance(seconds=31)
    stores.accounts.find_api_token(_hash("a"))
    assert stores.accounts.list_api_tokens()[0].last_used_at == later


def test_duplicate_token_hash_is_a_conflict(stores):
    stores.accounts.add_api_token("a", _hash("same"), "site")
    with pytest.raises(ConflictError):
        stores.accounts.add_api_token("b", _hash("same"), "admin")


def test_unknown_token_role_is_refused(stores):
    with pytest.raises(ValueError, match="role"):
        stores.accounts.add_api_token("x", _hash("x"), "root")


class _Seconds:
    """A monotonic clock for the token cache that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_revoked_by_another_process_stops_working_within_the_cache_seconds(
    stores, engine
):
    seconds = _Seconds()
    stores.accounts.token_cache = TokenCache(ttl_seconds=5, clock=seconds)
    added = stores.accounts.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = stores.accounts.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
    # The CLI or another worker revokes it: stores of its own on the same database.
    assert AccountStore(engine).revoke_api_token("zeitung.example") == 1
    seconds.now = 4.9
    assert stores.accounts.find_api_token(_hash("secret-1")) == found  # still trusted from cache
    seconds.now = 5.0
    assert stores.accounts.find_api_token(_hash("secret-1")) is None


def test_token_revoked_through_the_same_store_stops_working_at_once(stores):
    stores.accounts.token_cache = TokenCache(ttl_seconds=60, clock=_Seconds())
    stores.accounts.add_api_token("zeitung.example", _hash("secret-1"), "site")
    assert stores.accounts.find_api_token(_hash("secret-1")) is not None
    stores.accounts.revoke_api_token("zeitung.example")
    assert stores.accounts.find_api_token(_hash("secret-1")) is None


def test_unknown_token_is_not_cached_so_a_new_token_works_at_once(stores):
    stores.accounts.token_cache = TokenCache(ttl_seconds=60, clock=_Seconds())
    assert stores.accounts.find_api_token(_hash("secret-1")) is None
    added = stores.accounts.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = stores.accounts.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
