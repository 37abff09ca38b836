"""Server-side moderator sessions in the database, on every backend."""

from __future__ import annotations

from datetime import timedelta

HOURS = timedelta(hours=12)


def test_session_is_found_until_it_is_ended(repository):
    moderator = repository.add_moderator("anna", "hash")
    assert repository.start_moderator_session("anna", "h1", HOURS, moderator.session_epoch)
    assert repository.moderator_for_session("h1").name == "anna"
    assert repository.end_moderator_session("h1") is True
    assert repository.moderator_for_session("h1") is None
    assert repository.end_moderator_session("h1") is False


def test_session_expires_after_its_lifetime(repository, clock):
    repository.add_moderator("anna", "hash")
    repository.start_moderator_session("anna", "h1", HOURS, 0)
    clock.advance(hours=11, minutes=59)
    assert repository.moderator_for_session("h1") is not None
    clock.advance(minutes=1)
    assert repository.moderator_for_session("h1") is None


def test_expired_sessions_are_cleared_at_the_next_login(repository, clock):
    repository.add_moderator("anna", "hash")
    repository.start_moderator_session("anna", "old", HOURS, 0)
    clock.advance(hours=13)
    repository.start_moderator_session("anna", "new", HOURS, 0)
    assert repository.count_moderator_sessions("anna") == 1


def test_password_change_and_disabling_end_all_sessions(repository):
    repository.add_moderator("anna", "hash")
    repository.add_moderator("ben", "hash")
    repository.start_moderator_session("anna", "a1", HOURS, 0)
    repository.start_moderator_session("anna", "a2", HOURS, 0)
    repository.start_moderator_session("ben", "b1", HOURS, 0)
    repository.set_moderator_password("anna", "new hash")
    assert repository.count_moderator_sessions("anna") == 0
    assert repository.moderator_for_session("b1").name == "ben"
    repository.set_moderator_disabled("ben", True)
    assert repository.moderator_for_session("b1") is None


def test_login_that_raced_a_password_change_does_not_start(repository):
    before = repository.add_moderator("anna", "hash")
    repository.set_moderator_password("anna", "changed meanwhile")
    assert not repository.start_moderator_session("anna", "late", HOURS, before.session_epoch)
    assert repository.moderator_for_session("late") is None


def test_unknown_or_disabled_moderator_gets_no_session(repository):
    assert not repository.start_moderator_session("nobody", "h", HOURS, 0)
    repository.add_moderator("anna", "hash")
    repository.set_moderator_disabled("anna", True)
    disabled = repository.get_moderator("anna")
    assert not repository.start_moderator_session("anna", "h", HOURS, disabled.session_epoch)
