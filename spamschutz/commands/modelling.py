"""``spamschutz train``, ``evaluate`` and ``models``: the model lifecycle.

``evaluate`` lives in :mod:`spamschutz.commands.evaluation`, beside its cross-validation and
report options.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from spamschutz.commands.evaluation import evaluate
from spamschutz.context import Context, pass_context

__all__ = ["evaluate", "models", "retrain", "train"]


def _data_option(text: str):
    """``--data FILE`` (repeatable), as train, retrain and promote take it."""
    return click.option(
        "--data", "data_files", multiple=True, type=click.Path(dir_okay=False), help=text
    )


_tolerance_option = click.option(
    "--tolerance",
    default=0.01,
    show_default=True,
    type=float,
    help="How much more ham blocked or less spam caught the gate accepts.",
)


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@click.command()
@_data_option("Labelled comments (CSV, TSV, JSONL, YouTube or SMS corpus). Repeatable.")
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
@_data_option(
    "Held-out labelled comments for the gate (default: the newest moderator "
    "labels the candidate was not trained on)."
)
@_tolerance_option
@click.option("--force", is_flag=True, help="Promote even if the gate refuses (needs --reason).")
@click.option("--reason", default="", help="Why a refused model is promoted anyway (recorded).")
@pass_context
def models_promote(
    context: Context,
    version: str,
    data_files: tuple[str, ...],
    tolerance: float,
    force: bool,
    reason: str,
) -> None:
    """Make VERSION the active model, if it passes the evaluation gate."""
    if force and not reason.strip():
        raise click.ClickException("--force needs --reason: say why the gate is overruled.")
    result = gate(context, version, data_files, tolerance)
    if result is not None:
        click.echo(result.table())
        if not result.passed:
            problems = "; ".join(result.problems)
            if not force:
                raise click.ClickException(
                    f"Refused: {problems}. Fix the model, give held-out data with --data, or "
                    "overrule with --force --reason TEXT."
                )
            context.repository.annotate_model(
                version,
                forced_promotion={
                    "reason": reason,
                    "problems": result.problems,
                    "at": datetime.now(UTC).isoformat(),
                },
            )
    context.repository.activate_model(version)
    click.echo(f"Model {version} is now active; running instances switch within seconds.")


@models.command("rollback")
@pass_context
def models_rollback(context: Context) -> None:
    """Make the previously active model active again."""
    previous = context.repository.previous_model()
    if previous is None:
        raise click.ClickException("No earlier active model to roll back to.")
    context.load_model(previous.version)  # refuse an artefact that is missing or tampered
    context.repository.activate_model(previous.version)
    click.echo(f"Rolled back: model {previous.version} is active again.")


@click.command()
@_data_option("More labelled comments to train on. Repeatable.")
@click.option("--no-starter", is_flag=True, help="Leave out the built-in starter corpus.")
@click.option(
    "--promote-if-better",
    is_flag=True,
    help="Promote the new model when it passes the evaluation gate.",
)
@_tolerance_option
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
    result = gate(context, stored.version, (), tolerance)
    if result is not None:
        click.echo(result.table())
    if not promote_if_better:
        return
    if result is None or result.passed:
        context.repository.activate_model(stored.version)
        click.echo(f"Model {stored.version} is now active.")
    else:
        click.echo(f"Not promoted: {'; '.join(result.problems)}.")


def gate(context: Context, version: str, data_files: tuple[str, ...], tolerance: float):
    """Compare ``version`` with the active model; ``None`` when there is nothing to compare."""
    from training.gate import compare_models

    candidate = context.load_model(version)
    active_row = context.repository.active_model()
    if active_row is None or active_row.version == version:
        return None
    if data_files:
        held_out = context.read_data(data_files)
    else:
        sources = (candidate.metadata.get("data") or {}).get("sources") or []
        start = next((s.get("gate_from") for s in sources if s.get("gate_from")), None)
        held_out = context.moderator_labels(datetime.fromisoformat(start)) if start else []
    return compare_models(candidate, context.load_model(active_row.version), held_out, tolerance)


@models.command("bootstrap")
@pass_context
def models_bootstrap(context: Context) -> None:
    """Upgrade the schema and, if no model is active, register the model baked into the
    image (SPAMSCHUTZ_BAKED_MODEL_DIR) or train and activate the starter model."""
    from spamschutz.starter import ensure_active_model

    context.upgrade_database()
    ensure_active_model(context)
