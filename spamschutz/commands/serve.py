"""``spamschutz serve``: run the service."""

from __future__ import annotations

import click

from spamschutz.context import Context, pass_context

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: CPU cores).")
@click.option(
    "--no-setup",
    is_flag=True,
    help="Skip the database upgrade and starter model (run 'db upgrade' yourself).",
)
@pass_context
def serve(context: Context, host: str, port: int, workers: int | None, no_setup: bool) -> None:
    """Run the service under gunicorn."""
    from spamschutz.server import run_server

    if not no_setup:
        context.upgrade_database()
        if context.repository.active_model() is None:
            click.echo("No active model yet: training the starter model (a few seconds)…", err=True)
            stored = context.train_and_store(context.starter_comments(), promote=True)
            click.echo(f"Starter model {stored.version} is active.", err=True)
    run_server(context.config, host=host, port=port, workers=workers)
