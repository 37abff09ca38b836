"""``spamschutz evaluate``: a stored model on labelled data, or cross-validated training.

Cross-validation (``--cv``, ``--group-by``) trains its own models fold by fold, so it needs no
database and no stored model; ``--report`` writes a self-contained HTML report of either. The
figures (and report) of a stored model's latest evaluation are kept with the version.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from spamschutz.context import Context, pass_context

__all__ = ["evaluate"]


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


_FIGURES = (
    *("roc_auc", "pr_auc", "accuracy", "precision", "recall", "ham_blocked", "spam_flagged"),
    *("ham_flagged", "f1", "mcc", "mcc_at_0_5", "precision_at_0_9", "brier"),
)
# ``file`` groups by the data file; the others are fields of a labelled comment (``group`` is
# the group/thread column, or the file's name when there is none, e.g. the YouTube video).
_GROUP_BY = ("file", "group", "author", "lang")


def _echo_figures(report: dict[str, object]) -> None:
    for key in _FIGURES:
        value = report[key]
        click.echo(f"  {key:<16} {value:.4f}" if isinstance(value, float) else f"  {key:<16} -")


def _write_report(path: str, held_out: object, title: str, **options: object) -> None:
    from spamschutz.training.report import (
        write_report,  # matplotlib only when a report is asked for
    )

    write_report(path, held_out, title=title, **options)


def _cross_validate(
    context: Context,
    data_files: tuple[str, ...],
    folds: int | None,
    group_by: str | None,
    as_json: bool,
    report_path: str | None,
    **options: object,
) -> None:
    from dataclasses import replace

    from spamschutz.training import TrainingError
    from spamschutz.training.protocols import ProtocolError, cross_validate, group_cross_validate

    def progress(step: str) -> None:
        click.echo(f"  {step}", err=True)

    comments = [
        replace(comment, group=Path(path).name) if group_by == "file" else comment
        for path in data_files
        for comment in context.read_data([path])
    ]
    options.update(progress=progress, keep_models=report_path is not None)
    try:
        if group_by is None:
            result = cross_validate(comments, folds or 5, **options)
        else:
            field = "group" if group_by == "file" else group_by
            result = group_cross_validate(comments, field, folds, **options)
    except (ProtocolError, TrainingError) as error:
        raise click.ClickException(str(error)) from error
    if group_by == "file":  # the protocol saw the file names as groups
        result.update(group_by="file", protocol=str(result["protocol"]).replace("group)", "file)"))
    held_out = result.pop("held_out")
    if report_path:
        names = ", ".join(Path(path).name for path in data_files)
        title = f"spamschutz: {result['protocol']} on {names}"
        _write_report(report_path, held_out, title, details=result)
    if as_json:
        summary = {k: v for k, v in result.items() if k not in ("pooled", "scores", "labels")}
        _echo_json({**result["pooled"], **summary})
    else:
        _echo_protocol(result)


def _figure(value: object) -> str:
    return "-" if value is None else f"{value:.4f}"


def _echo_protocol(result: dict[str, object]) -> None:
    pooled, mean = result["pooled"], result["mean"]
    removed = result.get("duplicates_removed")
    click.echo(
        f"{str(result['protocol']).capitalize()} on {pooled['n']} comments "
        f"({pooled['n_spam']} spam, {pooled['n_ham']} ham"
        + (f"; {removed} repeated texts removed first)" if removed else ")")
    )
    _echo_figures(pooled)
    click.echo(
        f"  mean of folds    ROC-AUC {_figure(mean['roc_auc'])} ± {_figure(mean['roc_auc_sd'])}, "
        f"MCC {_figure(mean['mcc'])} ± {_figure(mean['mcc_sd'])}"
    )
    for fold in result["per_fold"]:
        group = f" ({fold['group']})" if fold.get("group") else ""
        click.echo(
            f"  fold {fold['fold']}{group}: n={fold['n']}, ROC-AUC {_figure(fold['roc_auc'])}, "
            f"MCC {fold['mcc']:.4f}, spam caught {fold['recall']:.1%}, "
            f"ham blocked {fold['ham_blocked']:.2%} at spam ≥ {fold['thresholds']['spam']:.3f}"
        )


@click.command()
@click.option(
    "--data",
    "data_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Labelled comments to evaluate on. Repeatable.",
)
@click.option("--model", "version", default=None, help="Model version (default: the active one).")
@click.option(
    "--cv",
    "folds",
    type=click.IntRange(min=2),
    default=None,
    help="Cross-validate training on the data with K stratified folds instead of evaluating "
    "a stored model (no database needed).",
)
@click.option(
    "--group-by",
    type=click.Choice(_GROUP_BY),
    default=None,
    help="Cross-validate keeping each group in one fold: leave one group out, or group K-fold "
    "with --cv K. 'file' groups by data file, 'group' by the group/thread column (the video "
    "for YouTube files).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the fold split.")
@click.option(
    "--target-ham-blocked",
    default=0.005,
    show_default=True,
    type=float,
    help="With --cv/--group-by: the share of ham each fold's spam-folder threshold may block.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write a self-contained HTML report to this file.",
)
@pass_context
def evaluate(
    context: Context,
    data_files: tuple[str, ...],
    version: str | None,
    folds: int | None,
    group_by: str | None,
    seed: int,
    target_ham_blocked: float,
    as_json: bool,
    report_path: str | None,
) -> None:
    """Evaluate a model version on labelled data, or cross-validate training on it."""
    if folds is not None or group_by is not None:
        if version is not None:
            raise click.UsageError(
                "--model evaluates a stored model; --cv and --group-by cross-validate training. "
                "Give one or the other."
            )
        _cross_validate(
            context,
            data_files,
            folds,
            group_by,
            as_json,
            report_path,
            seed=seed,
            target_ham_blocked=target_ham_blocked,
        )
        return

    from spamschutz.commands.kept_reports import keep_evaluation_report
    from spamschutz.training import evaluate_model
    from spamschutz.training.evaluate import HeldOut

    comments = context.read_data(data_files)
    model = context.load_model(version)
    report = evaluate_model(model, comments)
    if report_path:
        names = ", ".join(Path(path).name for path in data_files)
        title = f"spamschutz model {report['model_version']} on {names}"
        _write_report(report_path, HeldOut.from_model(model, comments), title)
    # Kept with the version so `models list` and the dashboard show how it did on this data.
    keep_evaluation_report(
        context,
        str(report["model_version"]),
        report,
        data_files,
        Path(report_path) if report_path else None,
    )
    if as_json:
        _echo_json(report)
        return
    click.echo(
        f"Model {report['model_version']} on {report['n']} comments "
        f"({report['n_spam']} spam, {report['n_ham']} ham)"
    )
    _echo_figures(report)
    click.echo(
        f"  thresholds       spam ≥ {report['thresholds']['spam']:.3f}, "
        f"unsure ≥ {report['thresholds']['unsure']:.3f}"
    )
