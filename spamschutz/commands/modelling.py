"""``spamschutz train``, ``evaluate`` and ``models``: the model lifecycle.

``evaluate`` lives in :mod:`spamschutz.commands.evaluation`, beside its cross-validation and
report options.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from spamschutz.commands.evaluation import evaluate
from spamschutz.context import Context, pass_context

__all__ = ["evaluate", "models", "train"]


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@click.command()
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Labelled comments (CSV, TSV, JSONL, YouTube or SMS corpus). Repeatable.",
)
@click.option("--from-db", is_flag=True, help="Add the moderators' decisions as labels.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="With --from-db: only decisions from this date on.",
)
@click.option("--starter", is_flag=True, help="Add the built-in starter corpus.")
@click.option(
    "--target-ham-blocked",
    default=0.005,
    show_default=True,
    type=float,
    help="Share of ham the spam-folder threshold may send to the spam folder.",
)
@click.option("--promote", is_flag=True, help="Make the new model active at once.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def train(
    context: Context,
    data_files: tuple[str, ...],
    from_db: bool,
    since: datetime | None,
    starter: bool,
    target_ham_blocked: float,
    promote: bool,
    as_json: bool,
) -> None:
    """Train a new model version (a candidate unless --promote)."""
    comments, sources = context.gather_training_data(data_files, from_db, since, starter)
    stored = context.train_and_store(
        comments,
        promote=promote,
        sources=sources,
        target_ham_blocked=target_ham_blocked,
        quiet=as_json,
    )
    if as_json:
        _echo_json(
            {
                "version": stored.version,
                "sha256": stored.sha256,
                "status": "active" if promote else "candidate",
                "data": stored.metadata["data"],
                "cv_metrics": stored.metadata["cv_metrics"],
                "thresholds": stored.metadata["thresholds"],
            }
        )
    else:
        cv = stored.metadata["cv_metrics"]
        click.echo(f"Model {stored.version} trained ({'active' if promote else 'candidate'}).")
        click.echo(
            f"  cross-validated: ROC-AUC {cv['roc_auc']:.4f}, MCC {cv['mcc']:.4f}, "
            f"spam caught {cv['recall']:.1%}, ham blocked {cv['ham_blocked']:.2%}"
        )


@click.group()
def models() -> None:
    """Model versions."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def models_list(context: Context, as_json: bool) -> None:
    """List model versions, newest first."""
    rows = context.repository.list_models()
    if as_json:
        _echo_json(
            [
                {
                    "version": r.version,
                    "status": r.status,
                    "created_at": r.created_at,
                    "sha256": r.sha256,
                    "metadata": r.metadata,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("No models yet. Run 'spamschutz train' or 'spamschutz serve'.")
    for row in rows:
        cv = (row.metadata or {}).get("cv_metrics") or {}
        data = (row.metadata or {}).get("data") or {}
        auc = f"{cv['roc_auc']:.4f}" if cv.get("roc_auc") is not None else "-"
        click.echo(f"{row.version}  {row.status:<9}  n={data.get('n', '?'):<6} cv ROC-AUC {auc}")


@models.command("promote")
@click.argument("version")
@pass_context
def models_promote(context: Context, version: str) -> None:
    """Make VERSION the active model (running instances switch within seconds)."""
    context.load_model(version)  # refuse a version whose artefact is missing or tampered
    context.repository.activate_model(version)
    click.echo(f"Model {version} is now active.")


@models.command("bootstrap")
@pass_context
def models_bootstrap(context: Context) -> None:
    """Train and activate the starter model if there is no active model."""
    context.upgrade_database()
    active = context.repository.active_model()
    if active is not None:
        click.echo(f"Model {active.version} is already active.")
        return
    stored = context.train_and_store(context.starter_comments(), promote=True)
    click.echo(f"Starter model {stored.version} is active.")
