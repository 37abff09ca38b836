"""The spool keeps accepted comments durably and replays each into the database exactly once."""

from __future__ import annotations

import shutil
import stat
from datetime import UTC, datetime

import pytest

from spamschutz.service.storage import Spool, SpooledComment, SpoolUnavailable, drain_spool
from spamschutz.service.storage.schema import comments
from spamschutz.service.storage.spool import SpoolRecordError


def _record(key: str = "key-1", token: str = "token-1", **overrides) -> SpooledComment:
    fields = {
        "idempotency_key": key,
        "public_id": f"public-{key}",
        "received_at": datetime(2025, 2, 28, 23, 59, tzinfo=UTC),
        "challenge_token_id": token,
        "challenge_redeemed": False,
        "comment": {
            "thread_id": "artikel-7",
            "author_name": "Erika",
            "author_email": "erika@example.org",
            "text": "Ein Kommentar, während die Datenbank schlief.",
            "lang": "de",
            "status": "pending",
            "score": 0.12,
            "band": "ham",
            "reasons": [{"feature": "word", "weight": -0.4}],
            "signals": {"challenge": "passed", "verdict_reasons": []},
        },
    }
    fields.update(overrides)
    return SpooledComment(**fields)


def _count_rows(stores) -> int:
    with stores.engine.connect() as connection:
        return len(connection.execute(comments.select()).all())


def test_spooled_record_is_one_private_file_and_no_temporary_file_is_left(tmp_path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(_record())
    files = list((tmp_path / "spool").iterdir())
    assert [path.suffix for path in files] == [".json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert spool.read(files[0]) == _record()
    assert spool.depth() == 1


def test_retry_with_the_same_key_gets_the_first_spooled_record(tmp_path) -> None:
    spool = Spool(tmp_path / "spool")
    first = spool.write(_record(public_id="first"))
    again = spool.write(_record(public_id="second"))
    assert first.public_id == again.public_id == "first"
    assert spool.depth() == 1
    assert spool.find("key-1").public_id == "first"


def test_full_spool_refuses_more_records(tmp_path) -> None:
    spool = Spool(tmp_path / "spool", max_records=1)
    spool.write(_record("a"))
    with pytest.raises(SpoolUnavailable, match="already holds 1"):
        spool.write(_record("b"))


def test_unwritable_spool_directory_raises_spool_unavailable(tmp_path) -> None:
    (tmp_path / "spool").write_text("a file where the directory should be")
    with pytest.raises(SpoolUnavailable):
        Spool(tmp_path / "spool").write(_record())


def test_a_record_is_claimed_by_exactly_one_replayer(tmp_path) -> None:
    first, second = Spool(tmp_path / "spool"), Spool(tmp_path / "spool")
    first.write(_record())
    claims_of_first = first.claim_waiting()
    claimed = next(claims_of_first)
    assert list(second.claim_waiting()) == []
    assert first.depth() == 1  # still counted while it is being replayed
    first.release(claimed)
    assert len(list(second.claim_waiting())) == 1


def test_claim_of_a_replayer_that_died_is_replayed_by_another(tmp_path, stores) -> None:
    Spool(tmp_path / "spool").write(_record())
    abandoned = Spool(tmp_path / "spool").claim_waiting()
    assert next(abandoned).suffix == ".claimed"  # and then the process died
    assert drain_spool(Spool(tmp_path / "spool"), stores.comments).stored == 0  # not stale yet
    report = drain_spool(Spool(tmp_path / "spool", stale_claim_seconds=0), stores.comments)
    assert (report.stored, report.remaining) == (1, 0)


def test_drain_stores_each_record_once_and_empties_the_spool(tmp_path, stores) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(_record("a", "token-a"))
    spool.write(_record("b", "token-b"))
    report = drain_spool(spool, stores.comments)
    assert (report.stored, report.remaining, report.database_unavailable) == (2, 0, False)
    row = stores.comments.get_comment("public-a")
    assert row.status == "pending"
    assert row.created_at == datetime(2025, 2, 28, 23, 59, tzinfo=UTC)  # received, not replayed
    assert not stores.challenges.redeem_challenge("token-a")  # the replay redeemed the token
    assert _count_rows(stores) == 2


def test_crash_between_insert_and_delete_does_not_duplicate_the_comment(
    tmp_path, stores
) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(_record())
    spooled = next((tmp_path / "spool").glob("*.json"))
    kept = shutil.copy(spooled, tmp_path / "copy")
    assert drain_spool(spool, stores.comments).stored == 1
    shutil.copy(kept, spooled)  # as if the process died after the commit, before the delete
    report = drain_spool(spool, stores.comments)
    assert report.remaining == 0
    assert _count_rows(stores) == 1
    assert stores.comments.get_comment("public-key-1").status == "pending"  # not flagged as reuse


def test_replay_of_a_token_another_submission_redeemed_keeps_the_comment_in_the_spam_folder(
    tmp_path, stores
) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(_record("first", "one-token"))
    spool.write(_record("second", "one-token"))  # a bot reusing one answer during the outage
    assert drain_spool(spool, stores.comments).stored == 2
    rows = [stores.comments.get_comment(public_id)
            for public_id in ("public-first", "public-second")]
    assert sorted(row.status for row in rows) == ["pending", "spam"]
    reused = next(row for row in rows if row.status == "spam")
    assert reused.signals["challenge"] == "reused"
    assert "challenge_reused" in reused.signals["verdict_reasons"]


def test_token_redeemed_before_the_outage_is_not_mistaken_for_reuse(
    tmp_path, stores
) -> None:
    assert stores.challenges.redeem_challenge("token-1")  # redeemed, then the database went away
    spool = Spool(tmp_path / "spool")
    spool.write(_record(challenge_redeemed=True))
    drain_spool(spool, stores.comments)
    assert stores.comments.get_comment("public-key-1").status == "pending"


def test_retry_stored_after_recovery_makes_the_spooled_copy_a_duplicate(
    tmp_path, stores
) -> None:
    stores.comments.add_comment(
        **_record().comment, idempotency_key="key-1", challenge_token_id="token-1"
    )
    spool = Spool(tmp_path / "spool")
    spool.write(_record())
    report = drain_spool(spool, stores.comments)
    assert (report.stored, report.duplicates, report.remaining) == (0, 1, 0)
    assert _count_rows(stores) == 1


def test_record_the_database_refuses_is_set_aside_not_lost(tmp_path, stores) -> None:
    spool = Spool(tmp_path / "spool")
    broken = _record("bad")
    broken.comment["status"] = "no-such-status"
    spool.write(broken)
    spool.write(_record("good", "token-good"))
    report = drain_spool(spool, stores.comments)
    assert (report.stored, report.set_aside, report.remaining) == (1, 1, 0)
    assert spool.status().failed == 1
    reason = next(spool.failed_directory.glob("*.reason")).read_text()
    assert "no-such-status" in reason
    assert spool.retry_failed() == 1
    assert spool.depth() == 1


def test_unreadable_record_is_reported_as_such(tmp_path) -> None:
    with pytest.raises(SpoolRecordError):
        SpooledComment.from_json('{"format": 99}')
