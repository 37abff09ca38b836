"""Migrations: repeatable, and producing exactly the schema the code declares."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, DateTime, column, inspect, select, table

from spamschutz.service.storage import (
    DetectionRules,
    Stores,
    create_engine_for,
    current_revision,
    migrate,
    upgrade_database,
)
from spamschutz.service.storage.campaign_index import key_hash
from spamschutz.service.storage.schema import (
    campaign_key_hashes,
    campaign_prints,
    comments,
    metadata,
)

# The newest migration, whichever it is: these tests hold for every release.
HEAD = ScriptDirectory(
    str(Path(migrate.__file__).with_name("migrations"))
).get_current_head()


def test_fresh_database_has_no_revision(database_url):
    assert current_revision(database_url) is None


def test_upgrading_twice_is_harmless(database_url):
    upgrade_database(database_url)
    upgrade_database(database_url)
    assert current_revision(database_url) == HEAD


def test_migrated_schema_matches_the_declared_tables(migrated_url):
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, metadata)
            inspector = inspect(connection)
            checks = {
                table.name: {check["name"] for check in inspector.get_check_constraints(table.name)}
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()
    assert differences == []
    # Alembic does not compare CHECK constraints; their names must still match the code's,
    # or a later migration could not drop them.
    assert checks == {
        table.name: {
            constraint.name
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in metadata.sorted_tables
    }


def test_instances_starting_together_migrate_once(database_url):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start_instance():
        barrier.wait()
        try:
            upgrade_database(database_url)
        except BaseException as error:  # collected: an exception in a thread is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=start_instance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(database_url) == HEAD


# The detection's keys as revision 0011 stored them: as text.
_KEYS_BEFORE_0012 = table("campaign_keys", column("key"), column("comment_id"),
                          column("created_at", DateTime(timezone=True)))


def test_the_detection_keys_stored_before_they_were_hashed_still_find_their_comments(
    database_url,
):
    """Revision 0012 hashes the window's keys: comments linked before the upgrade must form a
    campaign with one linked after it, and be erasable from the window."""
    upgrade_database(database_url, "0011")
    stores = Stores.open(create_engine_for(database_url))
    phone = "p:015123456789"
    earlier = []
    try:
        for thread, email in (("artikel-1", "erika@example.org"), ("artikel-2", None)):
            row = stores.comments.add_comment(
                thread_id=thread, author_name="Anbieter", text="Kredit sofort: 0151 23456789",
                lang="de", ip_hash=f"ip-{thread}", author_email=email)
            earlier.append(row)
        with stores.engine.begin() as connection:
            for row in earlier:
                comment_id = connection.execute(
                    select(comments.c.id).where(comments.c.public_id == row.public_id)
                ).scalar_one()
                connection.execute(campaign_prints.insert().values(
                    comment_id=comment_id, thread_id=row.thread_id, sender=row.ip_hash,
                    created_at=row.created_at))
                connection.execute(_KEYS_BEFORE_0012.insert(), [
                    {"key": key, "comment_id": comment_id, "created_at": row.created_at}
                    for key in (phone, f"s:{row.ip_hash}")])
    finally:
        stores.engine.dispose()

    upgrade_database(database_url)
    stores = Stores.open(create_engine_for(database_url))
    try:
        later = stores.comments.add_comment(
            thread_id="artikel-3", author_name="Anbieter", text="Kredit sofort: 0151 23456789",
            lang="de", ip_hash="ip-artikel-3")
        stores.campaigns.link_comment(later.public_id, [phone, "s:ip-artikel-3"], None,
                                      DetectionRules())
        found = stores.campaigns.campaigns_of([row.public_id for row in (*earlier, later)])
        assert len(found) == 3 and len({c.public_id for c in found.values()}) == 1
        assert found[later.public_id].shares["phones"] == ["015123456789"]
        assert stores.privacy.erase_commenter("erika@example.org", None) == 1
        with stores.engine.connect() as connection:
            rows = connection.execute(select(campaign_key_hashes.c.key_hash)).scalars().all()
        assert sorted(rows) == sorted(
            [key_hash(phone)] * 2 + [key_hash(f"s:{row.ip_hash}") for row in (earlier[1], later)])
    finally:
        stores.engine.dispose()
