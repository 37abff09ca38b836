"""``spamschutz doctor`` and ``backup``: is this installation healthy; keep a copy of it."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from spamschutz.context import Context, pass_context

__all__ = ["backup", "doctor"]

# Below this the spool and new model versions may not fit; SQLite needs room to checkpoint.
_MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: what was checked, whether it passed, what to do."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _configuration(context: Context) -> Iterator[Check]:
    from spamschutz.service.config import ConfigError, load_config
    from spamschutz.service.storage import normalise_database_url

    try:
        config = load_config()
    except ConfigError as error:
        yield Check("configuration", False, str(error), "set the variable named above")
        return
    if config["ENV"] == "production":
        yield Check("secret key", True, "SPAMSCHUTZ_SECRET_KEY is set")
    else:
        yield Check(
            "secret key",
            True,
            "development mode: the key is generated into DATA_DIR/secret_key",
        )
    try:
        normalise_database_url(str(config["DATABASE_URL"]))
        yield Check("database URL", True, "parses")
    except Exception as error:  # an unparsable URL raises several different errors
        yield Check(
            "database URL",
            False,
            str(error),
            "set SPAMSCHUTZ_DATABASE_URL to sqlite:///path or postgresql://user@host/db",
        )
    redis_url = str(config["REDIS_URL"])
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        yield Check("Redis URL", False, "not a redis:// URL", "e.g. redis://127.0.0.1:6379/0")


def _database(context: Context) -> Iterator[Check]:
    from spamschutz.service.storage import StorageUnavailable, current_revision, head_revision

    url = str(context.config["DATABASE_URL"])
    try:
        current = current_revision(url)
    except StorageUnavailable as error:
        yield Check(
            "database",
            False,
            f"not reachable: {error.__cause__ or error}",
            "start the database or correct SPAMSCHUTZ_DATABASE_URL",
        )
        return
    head = head_revision()
    if current == head:
        yield Check("database", True, f"reachable, schema at {head} (newest)")
    else:
        yield Check(
            "database",
            False,
            f"schema at {current or 'nothing'}, newest is {head}",
            "run 'spamschutz db upgrade'",
        )


def _redis(context: Context) -> Iterator[Check]:
    url = str(context.config["REDIS_URL"])
    if not url:
        yield Check("Redis", True, "not configured (limits count per worker process)")
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
        yield Check("Redis", True, "reachable")
    except redis.RedisError as error:
        yield Check("Redis", False, f"not reachable: {error}", "start Redis or fix the URL")
    finally:
        client.close()


def _model(context: Context) -> Iterator[Check]:
    try:
        model = context.load_model(None)
    except click.ClickException as error:
        yield Check(
            "model",
            False,
            error.message,
            "run 'spamschutz models bootstrap', or 'models promote VERSION' for a good one",
        )
        return
    except Exception as error:  # the database may be down; already reported above
        yield Check("model", False, f"cannot be checked: {type(error).__name__}", "see above")
        return
    yield Check("model", True, f"{model.metadata.get('version')} loads, hash matches")


def _writable(name: str, directory: Path) -> Check:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            pass
    except OSError as error:
        return Check(
            name,
            False,
            f"{directory} is not writable: {error.strerror}",
            f"give the service's user write access to {directory}",
        )
    free = shutil.disk_usage(directory).free
    if free < _MIN_FREE_BYTES:
        return Check(name, False, f"{directory}: only {free // 2**20} MiB free", "free disk space")
    return Check(name, True, f"{directory} writable, {free // 2**20} MiB free")


def _disk(context: Context) -> Iterator[Check]:
    from spamschutz.service.storage import spool_for

    data_dir = Path(str(context.config["DATA_DIR"]))
    yield _writable("data directory", data_dir)
    yield _writable("spool", spool_for(context.config).directory)
    yield _writable("model directory", Path(str(context.config["MODEL_DIR"])))


@click.command()
@pass_context
def doctor(context: Context) -> None:
    """Check configuration, database, Redis, model and disk; say what to fix.

    Exits with status 1 when any check fails.
    """
    checks = list(_configuration(context))
    # The other checks need a configuration that loads.
    if all(check.ok for check in checks):
        sections: list[Callable[[Context], Iterator[Check]]] = [_database, _redis, _model, _disk]
        for section in sections:
            checks += list(section(context))
    for check in checks:
        click.echo(f"{'OK  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"      fix: {check.fix}")
    failed = sum(not check.ok for check in checks)
    if failed:
        click.echo(f"{failed} check(s) failed.", err=True)
        raise SystemExit(1)
    click.echo("All checks passed.")


@click.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Backup file [default: DATA_DIR/backups/spamschutz-<time>.db].",
)
@pass_context
def backup(context: Context, output: Path | None) -> None:
    """Write a consistent copy of the SQLite database, while the service keeps running.

    Uses SQLite's online backup API, so the copy is a snapshot even while comments arrive.
    For PostgreSQL use pg_dump instead.
    """
    from spamschutz.service.storage import normalise_database_url

    url = normalise_database_url(str(context.config["DATABASE_URL"]))
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, e.g. "
            "'pg_dump --format=custom --file spamschutz.dump DBNAME'."
        )
    source_path = Path(url.database)
    if not source_path.exists():
        raise click.ClickException(f"No database at {source_path}.")
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        output = Path(str(context.config["DATA_DIR"])) / "backups" / f"spamschutz-{stamp}.db"
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        with target:
            source.backup(target)
        integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed its integrity check: {integrity}")
    partial.replace(output)
    output.chmod(0o600)  # it holds commenters' personal data
    click.echo(f"Backed up {source_path} to {output}.")
