"""Server-side moderator sessions in the database, on every backend."""

from __future__ import annotations

from datetime import timedelta

HOURS = timedelta(hours=12)


def test_session_is_found_until_it_is_ended(stores):
    moderator = stores.accounts.add_moderator("anna", "hash")
    assert stores.sessions.start_moderator_session("anna", "h1", HOURS, moderator.session_epoch)
    assert stores.sessions.moderator_for_session("h1").name == "anna"
    assert stores.sessions.end_moderator_session("h1") is True
    assert stores.sessions.moderator_for_session("h1") is None
    assert stores.sessions.end_moderator_session("h1") is False


def test_session_expires_after_its_lifetime(stores, clock):
    stores.accounts.add_moderator("anna", "hash")
    stores.sessions.start_moderator_session("anna", "h1", HOURS, 0)
    clock.advance(hours=11, minutes=59)
    assert stores.sessions.moderator_for_session("h1") is not None
    clock.advance(minutes=1)
    assert stores.sessions.moderator_for_session("h1") is None


def test_expired_sessions_are_cleared_at_the_next_login(stores, clock):
    stores.accounts.add_moderator("anna", "hash")
    stores.sessions.start_moderator_session("anna", "old", HOURS, 0)
    clock.advance(hours=13)
    stores.sessions.start_moderator_session("anna", "new", HOURS, 0)
    assert stores.sessions.count_moderator_sessions("anna") == 1


def test_password_change_and_disabling_end_all_sessions(stores):
    stores.accounts.add_moderator("anna", "hash")
    stores.accounts.add_moderator("ben", "hash")
    stores.sessions.start_moderator_session("anna", "a1", HOURS, 0)
    stores.sessions.start_moderator_session("anna", "a2", HOURS, 0)
    stores.sessions.start_moderator_session("ben", "b1", HOURS, 0)
    stores.accounts.set_moderator_password("anna", "new hash")
    assert stores.sessions.count_moderator_sessions("anna") == 0
    assert stores.sessions.moderator_for_session("b1").name == "ben"
    stores.accounts.set_moderator_disabled("ben", True)
    assert stores.sessions.moderator_for_session("b1") is None


def test_login_that_raced_a_password_change_does_not_start(stores):
    before = stores.accounts.add_moderator("anna", "hash")
    stores.accounts.set_moderator_password("anna", "changed meanwhile")
    assert not stores.sessions.start_moderator_session("anna", "late", HOURS, before.session_epoch)
    assert stores.sessions.moderator_for_session("late") is None


def test_unknown_or_disabled_moderator_gets_no_session(stores):
    assert not stores.sessions.start_moderator_session("nobody", "h", HOURS, 0)
    stores.accounts.add_moderator("anna", "hash")
    stores.accounts.set_moderator_disabled("anna", True)
    disabled = stores.accounts.get_moderator("anna")
    assert not stores.sessions.start_moderator_session("anna", "h", HOURS, disabled.session_epoch)
