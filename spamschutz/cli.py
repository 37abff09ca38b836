"""The ``spamschutz`` command: serve, train, evaluate and administer.

Subcommands import what they need when they run, so ``spamschutz tokens list`` does not load
scikit-learn and ``spamschutz train`` does not load Flask.
"""

from __future__ import annotations

import click

from spamschutz.commands import (
    accounts,
    db,
    evaluation,
    integrations,
    labels,
    maintenance,
    models,
    operations,
    retrain,
    scoring,
    serve,
    train,
)
from spamschutz.context import Context

__all__ = ["main"]


class _Commands(click.Group):
    """The command group; a database that cannot be used is reported in one line."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an unusable database (down, or without the schema) is an error
        message saying what to do, never a traceback."""
        try:
            return super().invoke(ctx)
        except Exception as error:
            from spamschutz.service.storage import StorageUnavailable

            if isinstance(error, StorageUnavailable):
                text = str(error)
                raise click.ClickException(text[:1].upper() + text[1:] + ".") from error
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
# The installed distribution's version, as pip and bug reports name it.
@click.version_option(
    package_name="spamschutz", prog_name="spamschutz", message="%(prog)s %(version)s"
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """spamschutz: self-hosted spam protection for comment sections."""
    ctx.obj = Context()


main.add_command(serve.serve)
main.add_command(db.db)
main.add_command(train.train)
main.add_command(evaluation.evaluate)
main.add_command(scoring.score)
main.add_command(models.models)
main.add_command(retrain.retrain)
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
