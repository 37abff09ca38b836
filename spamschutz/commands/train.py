"""``spamschutz train``: train a model on labelled comments, or search its settings."""

from __future__ import annotations

import json
from datetime import datetime

import click

from spamschutz.commands.kept_reports import keep_training_report
from spamschutz.commands.options import data_option, echo_json
from spamschutz.context import Context, pass_context

__all__ = ["train"]


@click.command()
@data_option("Labelled comments (CSV, TSV, JSONL, YouTube or SMS corpus). Repeatable.")
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
    default=None,
    type=float,
    help="Share of ham the spam-folder threshold may send to the spam folder "
    "[default: 0.005; 0.01 for the starter corpus alone].",
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
    target_ham_blocked: float | None,
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
            target_ham_blocked=stored.metadata["params"]["target_ham_blocked"],
            pipeline_params=params,
            quiet=as_json,
        )
    if as_json:
        echo_json(
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
    from spamschutz.model import build_pipeline

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
    from spamschutz.training import DataError
    from spamschutz.training.streaming import count_comments

    try:
        return count_comments(data_files)
    except DataError as error:
        raise click.ClickException(str(error)) from error


def _train_streaming(
    context: Context,
    data_files: tuple[str, ...],
    extra: tuple[bool, datetime | None, bool],
    target_ham_blocked: float | None,
    promote: bool,
    quiet: bool,
):
    """Stream the files (plus starter corpus and moderator labels) into a hashed model."""
    from spamschutz.training import TrainingError
    from spamschutz.training.streaming import train_streaming_files
    from spamschutz.training.train import DEFAULT_TARGET_HAM_BLOCKED

    from_db, since, starter = extra
    comments, sources = ([], [])
    if from_db or starter:
        comments, sources = context.gather_training_data((), from_db, since, starter)
    try:
        model = train_streaming_files(
            data_files,
            comments,
            sources=sources,
            target_ham_blocked=(
                DEFAULT_TARGET_HAM_BLOCKED if target_ham_blocked is None else target_ham_blocked
            ),
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
    from spamschutz.training import TrainingError
    from spamschutz.training.search import search_parameters

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
        echo_json(result.as_dict())
        return
    click.echo(result.table())
    best = ", ".join(f"{key}={value}" for key, value in result.best_params.items())
    click.echo(f"Best: {best} (ROC-AUC {result.best_score:.4f}).")
    settings = " ".join(
        f"--param {key}={json.dumps(value)}" for key, value in result.best_params.items()
    )
    click.echo(f"To train a model with them, run this command without --search, with {settings}")
