"""The ``spamschutz`` command: serve, train, evaluate and administer.

Subcommands import what they need when they run, so ``spamschutz tokens list`` does not load
scikit-learn and ``spamschutz train`` does not load Flask.
"""

from __future__ import annotations

import click

from spamschutz.commands import (
    accounts,
    db,
    integrations,
    labels,
    maintenance,
    modelling,
    operations,
    serve,
)
from spamschutz.context import Context

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """spamschutz: self-hosted spam protection for comment sections."""
    ctx.obj = Context()


main.add_command(serve.serve)
main.add_command(db.db)
main.add_command(modelling.train)
main.add_command(modelling.evaluate)
main.add_command(modelling.models)
main.add_command(modelling.retrain)
main.add_command(labels.labels)
main.add_command(accounts.moderators)
main.add_command(accounts.tokens)
main.add_command(maintenance.spool)
main.add_command(maintenance.purge)
main.add_command(maintenance.privacy)
main.add_command(operations.doctor)
main.add_command(operations.backup)
main.add_command(integrations.sites)
main.add_command(integrations.webhooks)
