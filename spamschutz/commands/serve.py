"""``spamschutz serve``: run the service."""

from __future__ import annotations

import click

from spamschutz.context import Context, pass_context

__all__ = ["serve"]


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
        context.ensure_schema()
        ensure_active_model(context)
    run_server(
        context.config,
        host=host or str(context.config["HOST"]),
        port=port or int(context.config["PORT"]),  # type: ignore[call-overload]
        workers=workers,
    )
