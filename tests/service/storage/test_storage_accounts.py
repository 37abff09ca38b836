"""Moderator accounts and API tokens."""

from __future__ import annotations

import hashlib

import pytest

from spamschutz.service.storage import ConflictError, NotFound, Repository
from spamschutz.service.storage.accounts import TokenCache


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_added_moderator_can_be_found_by_name(repository, clock):
    added = repository.add_moderator("anna", "$argon2id$hash-1")
    assert repository.get_moderator("anna") == added
    assert (added.session_epoch, added.disabled, added.created_at) == (0, False, clock.now)


def test_unknown_moderator_is_none(repository):
    assert repository.get_moderator("nobody") is None


def test_moderator_name_is_unique(repository):
    repository.add_moderator("anna", "hash-1")
    with pytest.raises(ConflictError):
        repository.add_moderator("anna", "hash-2")
    assert repository.get_moderator("anna").password_hash == "hash-1"


def test_password_change_ends_existing_sessions(repository):
    before = repository.add_moderator("anna", "old")
    after = repository.set_moderator_password("anna", "new")
    assert after.password_hash == "new"
    assert after.session_epoch == before.session_epoch + 1


def test_disabling_a_moderator_ends_their_sessions(repository):
    before = repository.add_moderator("anna", "hash")
    after = repository.set_moderator_disabled("anna", True)
    assert after.disabled is True
    assert after.session_epoch > before.session_epoch


def test_changing_an_unknown_moderator_is_not_found(repository):
    with pytest.raises(NotFound):
        repository.set_moderator_password("nobody", "hash")


def test_moderators_are_listed_by_name(repository):
    for name in ("carla", "anna", "ben"):
        repository.add_moderator(name, "hash")
    assert [row.name for row in repository.list_moderators()] == ["anna", "ben", "carla"]


def test_token_is_found_by_its_hash_until_revoked(repository):
    added = repository.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = repository.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
    assert repository.find_api_token(_hash("other")) is None
    assert repository.revoke_api_token("zeitung.example") == 1
    assert repository.find_api_token(_hash("secret-1")) is None
    assert repository.revoke_api_token("zeitung.example") == 0  # nothing left to revoke
    [listed] = repository.list_api_tokens()
    assert listed.revoked_at is not None


def test_token_can_be_revoked_by_id_leaving_same_named_tokens(repository):
    first = repository.add_api_token("site", _hash("one"), "site")
    repository.add_api_token("site", _hash("two"), "site")
    assert repository.revoke_api_token(first.id) == 1
    assert repository.find_api_token(_hash("one")) is None
    assert repository.find_api_token(_hash("two")) is not None


def test_token_use_is_recorded_to_the_minute(repository, clock):
    repository.add_api_token("admin", _hash("a"), "admin")
    assert repository.list_api_tokens()[0].last_used_at is None
    used_at = clock.advance(hours=1)
    assert repository.find_api_token(_hash("a")).last_used_at == used_at
    repository.token_cache.clear()
    clock.advance(seconds=30)  # within the minute: no new write
    repository.find_api_token(_hash("a"))
    assert repository.list_api_tokens()[0].last_used_at == used_at
    repository.token_cache.clear()
    later = clock.advance(seconds=31)
    repository.find_api_token(_hash("a"))
    assert repository.list_api_tokens()[0].last_used_at == later


def test_duplicate_token_hash_is_a_conflict(repository):
    repository.add_api_token("a", _hash("same"), "site")
    with pytest.raises(ConflictError):
        repository.add_api_token("b", _hash("same"), "admin")


def test_unknown_token_role_is_refused(repository):
    with pytest.raises(ValueError, match="role"):
        repository.add_api_token("x", _hash("x"), "root")


class _Seconds:
    """A monotonic clock for the token cache that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_revoked_by_another_process_stops_working_within_the_cache_seconds(
    repository, engine
):
    seconds = _Seconds()
    repository.token_cache = TokenCache(ttl_seconds=5, clock=seconds)
    added = repository.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = repository.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
    # The CLI or another worker revokes it: a repository of its own on the same database.
    assert Repository(engine).revoke_api_token("zeitung.example") == 1
    seconds.now = 4.9
    assert repository.find_api_token(_hash("secret-1")) == found  # still trusted from cache
    seconds.now = 5.0
    assert repository.find_api_token(_hash("secret-1")) is None


def test_token_revoked_through_the_same_repository_stops_working_at_once(repository):
    repository.token_cache = TokenCache(ttl_seconds=60, clock=_Seconds())
    repository.add_api_token("zeitung.example", _hash("secret-1"), "site")
    assert repository.find_api_token(_hash("secret-1")) is not None
    repository.revoke_api_token("zeitung.example")
    assert repository.find_api_token(_hash("secret-1")) is None


def test_unknown_token_is_not_cached_so_a_new_token_works_at_once(repository):
    repository.token_cache = TokenCache(ttl_seconds=60, clock=_Seconds())
    assert repository.find_api_token(_hash("secret-1")) is None
    added = repository.add_api_token("zeitung.example", _hash("secret-1"), "site")
    found = repository.find_api_token(_hash("secret-1"))
    assert (found.id, found.name, found.role) == (added.id, "zeitung.example", "site")
