"""``spamschutz serve``: run the service."""

from __future__ import annotations

import click

from spamschutz.context import Context, pass_context

__all__ = ["serve"]


def _prepare_schema(context: Context) -> None:
    """Upgrade the schema as ``AUTO_MIGRATE`` says, else refuse to serve an old schema.

    The embedded SQLite file belongs to this one installation, so upgrading it on start is
    safe and convenient. A shared PostgreSQL is upgraded by one explicit ``spamschutz db
    upgrade`` (a one-shot job before the new version rolls out), never by whichever of many
    instances happens to start first with new code.
    """
    from service.storage import current_revision
    from service.storage.engine import normalise_database_url
    from service.storage.migrate import head_revision

    url = str(context.config["DATABASE_URL"])
    mode = str(context.config["AUTO_MIGRATE"])
    sqlite = normalise_database_url(url).get_backend_name() == "sqlite"
    if mode == "always" or (mode == "sqlite" and sqlite):
        context.upgrade_database()
        return
    current, head = current_revision(url), head_revision()
    if current != head:
        raise click.ClickException(
            f"The database schema is at {current or 'nothing'}, this version needs {head}: "
            "run 'spamschutz db upgrade' first (or set SPAMSCHUTZ_AUTO_MIGRATE=always)."
        )


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: SPAMSCHUTZ_HOST].")
@click.option("--port", default=None, type=int, help="Port [default: SPAMSCHUTZ_PORT].")
@click.option("--workers", type=int, default=None, help="Worker processes (default: CPU cores).")
@click.option(
    "--no-setup",
    is_flag=True,
    help="Skip the schema check or upgrade and the starter model.",
)
@pass_context
def serve(
    context: Context, host: str | None, port: int | None, workers: int | None, no_setup: bool
) -> None:
    """Run the service under gunicorn.

    Before serving: the schema is upgraded (SQLite, or SPAMSCHUTZ_AUTO_MIGRATE=always) or
    checked to be current, and if no model is active the image's baked model is registered
    or the starter model trained.
    """
    from spamschutz.server import prepare_metrics_directory, run_server
    from spamschutz.starter import ensure_active_model

    # Before anything imports prometheus_client: it picks multiprocess mode on import.
    prepare_metrics_directory(context.config)
    if not no_setup:
        _prepare_schema(context)
        ensure_active_model(context)
    run_server(
        context.config,
        host=host or str(context.config["HOST"]),
        port=port or int(context.config["PORT"]),  # type: ignore[call-overload]
        workers=workers,
    )
