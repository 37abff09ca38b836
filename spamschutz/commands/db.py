"""``spamschutz db``: schema migrations."""

from __future__ import annotations

import click

from spamschutz.context import Context, pass_context

__all__ = ["db"]


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Apply all schema migrations."""
    context.upgrade_database()
    click.echo("Database is up to date.")


@db.command("current")
@pass_context
def db_current(context: Context) -> None:
    """Print the schema revision of the database."""
    from spamschutz.service.storage import current_revision

    click.echo(current_revision(str(context.config["DATABASE_URL"])) or "(empty database)")
