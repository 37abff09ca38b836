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
from spamschutz.model_reports import evaluation_location, keep_training_report, report_location

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
@click.option(
    "--no-report", is_flag=True, help="Skip the training report (saves a cross-validation)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--streaming-above",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Learn chunk by chunk, in bounded memory, when the --data files hold more than N "
    "comments. [default: SPAMSCHUTZ_STREAMING_ABOVE, 200000]",
)
@click.option(
    "--search",
    is_flag=True,
    help="Only search hyper-parameters by cross-validation and print the best; stores no model.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    callback=lambda _context, _option, values: _parse_params(values),
    help="Set a pipeline parameter by its scikit-learn name, e.g. classifier__C=3 or "
    "features__words__min_df=1 (what --search ranks). Repeatable.",
)
@click.option(
    "--backend",
    type=click.Choice(["loky", "dask"]),
    default="loky",
    show_default=True,
    help="Where --search runs: every local core (loky) or a Dask cluster (dask).",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="With --backend dask: tcp://HOST:PORT of the scheduler."
)
@pass_context
def train(
    context: Context,
    data_files: tuple[str, ...],
    from_db: bool,
    since: datetime | None,
    starter: bool,
    target_ham_blocked: float,
    promote: bool,
    no_report: bool,
    as_json: bool,
    streaming_above: int | None,
    search: bool,
    params: dict[str, object],
    backend: str,
    scheduler: str | None,
) -> None:
    """Train a new model version (a candidate unless --promote), with its training report
    beside the artefact."""
    if search:
        _search(context, data_files, from_db, since, starter, backend, scheduler, as_json)
        return
    if streaming_above is None:
        streaming_above = int(context.config["STREAMING_ABOVE"])  # type: ignore[call-overload]
    streaming = _count_comments(data_files) > streaming_above
    if streaming and params:
        raise click.ClickException(
            "--param sets the in-memory pipeline; these files are learnt chunk by chunk "
            "(raise --streaming-above to train them in memory)."
        )
    if streaming:
        stored = _train_streaming(
            context, data_files, (from_db, since, starter), target_ham_blocked, promote, as_json
        )
    else:
        comments, sources = context.gather_training_data(data_files, from_db, since, starter)
        try:
            stored = context.train_and_store(
                comments,
                promote=promote,
                sources=sources,
                target_ham_blocked=target_ham_blocked,
                pipeline_params=params,
                quiet=as_json,
            )
        except ValueError as error:
            if not params:
                raise
            # A value the pipeline refuses, e.g. classifier__C=-1.
            raise click.ClickException(f"--param: {error}") from error
    report = None
    # The training report cross-validates the batch model in memory: not for streamed data.
    if not (no_report or streaming):
        report = keep_training_report(
            context,
            stored,
            comments,
            target_ham_blocked=target_ham_blocked,
            pipeline_params=params,
            quiet=as_json,
        )
    if as_json:
        _echo_json(
            {
                "version": stored.version,
                "streaming": streaming,
                "report": str(report) if report else None,
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
        if report:
            click.echo(f"  report: {report}")


def _parse_params(values: tuple[str, ...]) -> dict[str, object]:
    """``NAME=VALUE`` pairs; a value is read as JSON (3, 1.5, true, null), else as text."""
    if not values:
        return {}
    from model import build_pipeline

    params: dict[str, object] = {}
    for pair in values:
        name, equals, raw = pair.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        try:
            params[name.strip()] = json.loads(raw)
        except ValueError:
            params[name.strip()] = raw
    known = build_pipeline().get_params()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise click.BadParameter(
            f"unknown pipeline parameter {', '.join(unknown)}; for example classifier__C, "
            "features__words__min_df, features__chars__min_df",
            param_hint="--param",
        )
    _check_param_values(build_pipeline().set_params(**params), params)
    return params


def _check_param_values(pipeline: object, params: dict[str, object]) -> None:
    """Refuse a value scikit-learn would refuse, now rather than after the features are
    extracted, where the error surfaced from inside cross-validation."""
    from sklearn.utils._param_validation import InvalidParameterError

    steps = pipeline.get_params()  # type: ignore[attr-defined]
    for name in params:
        owner = steps.get(name.rpartition("__")[0])
        # Estimators that declare their parameters' constraints can check them unfitted.
        if owner is None or not hasattr(owner, "_parameter_constraints"):
            continue
        try:
            owner._validate_params()
        except InvalidParameterError as error:
            raise click.BadParameter(f"{name}={params[name]!r}: {error}",
                                     param_hint="--param") from error


def _count_comments(data_files: tuple[str, ...]) -> int:
    """Comments in the files, counted without holding them."""
    from training import DataError
    from training.streaming import count_comments

    try:
        return count_comments(data_files)
    except DataError as error:
        raise click.ClickException(str(error)) from error


def _train_streaming(
    context: Context,
    data_files: tuple[str, ...],
    extra: tuple[bool, datetime | None, bool],
    target_ham_blocked: float,
    promote: bool,
    quiet: bool,
):
    """Stream the files (plus starter corpus and moderator labels) into a hashed model."""
    from training import TrainingError
    from training.streaming import train_streaming_files

    from_db, since, starter = extra
    comments, sources = ([], [])
    if from_db or starter:
        comments, sources = context.gather_training_data((), from_db, since, starter)
    try:
        model = train_streaming_files(
            data_files,
            comments,
            sources=sources,
            target_ham_blocked=target_ham_blocked,
            progress=lambda step: None if quiet else click.echo(f"  {step}", err=True),
        )
    except TrainingError as error:
        raise click.ClickException(f"{error}. Add labelled data with --data FILE.") from error
    return context.store_model(model, promote=promote)


def _search(
    context: Context,
    data_files: tuple[str, ...],
    from_db: bool,
    since: datetime | None,
    starter: bool,
    backend: str,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """``train --search``: cross-validate the parameter grid and print the ranking."""
    from training import TrainingError
    from training.search import search_parameters

    if backend == "dask" and not scheduler:
        raise click.ClickException("--backend dask needs --scheduler tcp://HOST:PORT.")
    comments, _ = context.gather_training_data(data_files, from_db, since, starter)
    try:
        result = search_parameters(
            comments, backend=backend, scheduler=scheduler,
            progress=None if as_json else lambda step: click.echo(step, err=True))
    except (TrainingError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        _echo_json(result.as_dict())
        return
    click.echo(result.table())
    best = ", ".join(f"{key}={value}" for key, value in result.best_params.items())
    click.echo(f"Best: {best} (ROC-AUC {result.best_score:.4f}).")
    settings = " ".join(
        f"--param {key}={json.dumps(value)}" for key, value in result.best_params.items()
    )
    click.echo(f"To train a model with them, run this command without --search, with {settings}")


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
    rows = context.repository.list_models()
    if as_json:
        _echo_json(
            [
                {
                    "version": r.version,
                    "status": r.status,
                    "created_at": r.created_at,
                    "sha256": r.sha256,
                    "report": str(report_location(context, r) or "") or None,
                    "evaluation_report": str(evaluation_location(context, r) or "") or None,
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
        report = report_location(context, row) or "-"
        click.echo(
            f"{row.version}  {row.status:<9}  n={data.get('n', '?'):<6} cv ROC-AUC {auc}"
            f"  report {report}"
        )
        evaluation = (row.metadata or {}).get("evaluation")
        if evaluation:
            kept = evaluation_location(context, row)
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
    """Make the previously active model active again; again goes further back (a stack)."""
    previous = context.repository.previous_model()
    if previous is None:
        raise click.ClickException("No earlier active model to roll back to.")
    context.load_model(previous.version)  # refuse an artefact that is missing or tampered
    current = context.repository.active_model()
    context.repository.activate_model(previous.version)
    if current is not None:
        # Marked, so that the next rollback passes over it instead of bringing it back.
        context.repository.annotate_model(current.version,
                                          rolled_back_at=datetime.now(UTC).isoformat())
    click.echo(f"Rolled back: model {previous.version} is active again"
               + (f" ({current.version} retired)." if current else "."))


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
    keep_training_report(context, stored, comments, quiet=True)
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
                          site_languages=context.repository.count_by_language())


@models.command("bootstrap")
@pass_context
def models_bootstrap(context: Context) -> None:
    """Upgrade the schema and, if no model is active, register the model baked into the
    image (SPAMSCHUTZ_BAKED_MODEL_DIR) or train and activate the starter model."""
    from spamschutz.starter import ensure_active_model

    context.upgrade_database()
    ensure_active_model(context)
