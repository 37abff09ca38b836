"""``spamschutz models``: list, promote, roll back and bootstrap model versions; the gate
that compares a candidate with the active model."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from spamschutz.commands.kept_reports import evaluation_report_path, training_report_path
from spamschutz.commands.options import data_option, echo_json, tolerance_option
from spamschutz.context import Context, pass_context

__all__ = ["gate", "models"]


@click.group()
def models() -> None:
    """Model versions."""


def _figure(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "-"


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def models_list(context: Context, as_json: bool) -> None:
    """List model versions, newest first."""
    rows = context.stores.models.list_models()
    if as_json:
        echo_json(
            [
                {
                    "version": r.version,
                    "status": r.status,
                    "created_at": r.created_at,
                    "sha256": r.sha256,
                    "report": str(training_report_path(context, r) or "") or None,
                    "evaluation_report": str(evaluation_report_path(context, r) or "") or None,
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
        report = training_report_path(context, row) or "-"
        click.echo(
            f"{row.version}  {row.status:<9}  n={data.get('n', '?'):<6} cv ROC-AUC {auc}"
            f"  report {report}"
        )
        evaluation = (row.metadata or {}).get("evaluation")
        if evaluation:
            kept = evaluation_report_path(context, row)
            figures = ", ".join(
                f"{name} {_figure(evaluation.get(key))}"
                for name, key in (
                    ("ROC-AUC", "roc_auc"),
                    ("MCC", "mcc"),
                    ("ham blocked", "ham_blocked"),
                )
            )
            click.echo(
                f"  evaluated {evaluation['at']} on {', '.join(evaluation['data'])}: {figures}"
                + (f"  report {kept}" if kept else "")
            )


@models.command("promote")
@click.argument("version")
@data_option(
    "Held-out labelled comments for the gate (default: the newest moderator "
    "labels the candidate was not trained on)."
)
@tolerance_option
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
        if result.comparable:
            click.echo(result.table())
        if not result.passed:
            problems = "; ".join(result.problems)
            advice = (
                "Fix the model, give other held-out data with --data FILE, or overrule with "
                "--force --reason TEXT." if result.comparable else
                "Give held-out labelled comments the candidate was not trained on with --data "
                "FILE, or overrule with --force --reason TEXT."
            )
            if not force:
                raise click.ClickException(f"Refused: {problems}. {advice}")
            context.stores.models.annotate_model(
                version,
                forced_promotion={
                    "reason": reason,
                    "problems": result.problems,
                    "at": datetime.now(UTC).isoformat(),
                },
            )
    context.stores.models.activate_model(version)
    click.echo(f"Model {version} is now active; running instances switch within seconds.")


@models.command("rollback")
@pass_context
def models_rollback(context: Context) -> None:
    """Make the previously active model active again; again goes further back (a stack)."""
    previous = context.stores.models.previous_model()
    if previous is None:
        raise click.ClickException("No earlier active model to roll back to.")
    context.load_model(previous.version)  # refuse an artefact that is missing or tampered
    current = context.stores.models.active_model()
    context.stores.models.activate_model(previous.version)
    if current is not None:
        # Marked, so that the next rollback passes over it instead of bringing it back.
        context.stores.models.annotate_model(current.version,
                                          rolled_back_at=datetime.now(UTC).isoformat())
    click.echo(f"Rolled back: model {previous.version} is active again"
               + (f" ({current.version} retired)." if current else "."))


def gate(context: Context, version: str, data_files: tuple[str, ...], tolerance: float):
    """Compare ``version`` with the active model; ``None`` when there is nothing to compare."""
    from spamschutz.training.gate import compare_models

    candidate = context.load_model(version)
    active_row = context.stores.models.active_model()
    if active_row is None or active_row.version == version:
        return None
    if data_files:
        held_out = context.read_data(data_files)
        basis = f"the files {', '.join(data_files)} ({len(held_out)} labelled comments)"
    else:
        sources = (candidate.metadata.get("data") or {}).get("sources") or []
        start = next((s.get("gate_from") for s in sources if s.get("gate_from")), None)
        held_out = context.moderator_labels(datetime.fromisoformat(start)) if start else []
        basis = (f"the {len(held_out)} newest moderator labels, which {version} was not trained "
                 f"on (decided since {start})" if start else
                 f"moderator labels kept out of training: {version} was trained without any")
    click.echo(f"Comparing {version} with the active {active_row.version} on {basis}.")
    return compare_models(candidate, context.load_model(active_row.version), held_out, tolerance,
                          site_languages=context.stores.comments.count_by_language())


@models.command("bootstrap")
@pass_context
def models_bootstrap(context: Context) -> None:
    """Upgrade the schema and, if no model is active, register the model baked into the
    image (SPAMSCHUTZ_BAKED_MODEL_DIR) or train and activate the starter model."""
    from spamschutz.starter import ensure_active_model

    context.upgrade_database()
    ensure_active_model(context)
