"""``spamschutz retrain``: the weekly job that trains on the moderators' decisions and
promotes the result if the gate finds it no worse."""

from __future__ import annotations

import click

from spamschutz.commands.kept_reports import keep_training_report
from spamschutz.commands.models import gate
from spamschutz.commands.options import data_option, tolerance_option
from spamschutz.context import Context, pass_context

__all__ = ["retrain"]


@click.command()
@data_option("More labelled comments to train on. Repeatable.")
@click.option("--no-starter", is_flag=True, help="Leave out the built-in starter corpus.")
@click.option(
    "--promote-if-better",
    is_flag=True,
    help="Promote the new model when it passes the evaluation gate.",
)
@tolerance_option
@pass_context
def retrain(
    context: Context,
    data_files: tuple[str, ...],
    no_starter: bool,
    promote_if_better: bool,
    tolerance: float,
) -> None:
    """Train on the moderators' decisions and promote the result if it is no worse.

    Meant for cron: ``0 3 * * 1 spamschutz retrain --promote-if-better``.
    """
    comments, sources = context.gather_training_data(data_files, True, None, not no_starter)
    stored = context.train_and_store(comments, promote=False, sources=sources, quiet=True)
    click.echo(f"Candidate {stored.version} trained on {stored.metadata['data']['n']} comments.")
    keep_training_report(context, stored, comments, quiet=True)
    result = gate(context, stored.version, (), tolerance)
    if result is not None:
        click.echo(result.table())
    if not promote_if_better:
        return
    if result is None or result.passed:
        context.stores.models.activate_model(stored.version)
        click.echo(f"Model {stored.version} is now active.")
    else:
        click.echo(f"Not promoted: {'; '.join(result.problems)}.")
