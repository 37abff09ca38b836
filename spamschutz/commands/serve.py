"""``spamschutz serve``: run the service."""

from __future__ import annotations

import errno
import socket

import click

from spamschutz.context import Context, pass_context

__all__ = ["serve"]


def _refuse_a_busy_port(host: str, port: int) -> None:
    """Say plainly that the port is taken, before gunicorn retries it five times and gives
    up with a socket tuple."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"Port {port} on {host} is already in use (another spamschutz serve?): "
                    "stop that program, or choose another port with --port."
                ) from error
            raise click.ClickException(
                f"Cannot listen on {host} port {port}: {error.strerror}."
            ) from error


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: SPAMSCHUTZ_HOST].")
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port [default: SPAMSCHUTZ_PORT]; 0 takes a free one, named in the log's "
    "'Listening at' line.",
)
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

    host = host or str(context.config["HOST"])
    port = int(context.config["PORT"]) if port is None else port  # type: ignore[call-overload]
    if port:
        _refuse_a_busy_port(host, port)
    # Before anything imports prometheus_client: it picks multiprocess mode on import.
    prepare_metrics_directory(context.config)
    if not no_setup:
        context.ensure_schema()
        ensure_active_model(context)
    run_server(context.config, host=host, port=port, workers=workers)
