"""Options and output shared by the model commands (train, models, retrain)."""

from __future__ import annotations

import json

import click

__all__ = ["data_option", "echo_json", "tolerance_option"]


def data_option(text: str):
    """``--data FILE`` (repeatable), as train, retrain and promote take it."""
    return click.option(
        "--data", "data_files", multiple=True, type=click.Path(dir_okay=False), help=text
    )


tolerance_option = click.option(
    "--tolerance",
    default=0.01,
    show_default=True,
    type=float,
    help="How much more ham blocked or less spam caught the gate accepts.",
)


def echo_json(data: object) -> None:
    """Print ``data`` as one line of JSON (``--json`` output)."""
    click.echo(json.dumps(data, ensure_ascii=False, default=str))
