"""The ``spamschutz`` command: serve, train, evaluate and administer.

Subcommands import what they need when they run, so ``spamschutz tokens list`` does not load
scikit-learn and ``spamschutz train`` does not load Flask.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from spamschutz.context import Context, pass_context

__all__ = ["main"]


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """spamschutz: self-hosted spam protection for comment sections."""
    ctx.obj = Context()


# --- serve ---------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: CPU cores).")
@click.option(
    "--no-setup",
    is_flag=True,
    help="Skip the database upgrade and starter model (run 'db upgrade' yourself).",
)
@pass_context
def serve(context: Context, host: str, port: int, workers: int | None, no_setup: bool) -> None:
    """Run the service under gunicorn."""
    from spamschutz.server import run_server

    if not no_setup:
        context.upgrade_database()
        if context.repository.active_model() is None:
            click.echo("No active model yet: training the starter model (a few seconds)…", err=True)
            stored = context.train_and_store(context.starter_comments(), promote=True)
            click.echo(f"Starter model {stored.version} is active.", err=True)
    run_server(context.config, host=host, port=port, workers=workers)


# --- db ------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Apply all schema migrations."""
    context.upgrade_database()
    click.echo("Database is up to date.")


@db.command("current")
@pass_context
def db_current(context: Context) -> None:
    """Print the schema revision of the database."""
    from service.storage import current_revision

    click.echo(current_revision(str(context.config["DATABASE_URL"])) or "(empty database)")


# --- train / evaluate ----------------------------------------------------------------------


@main.command()
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


@main.command()
@click.option(
    "--data",
    "data_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Labelled comments to evaluate on.",
)
@click.option("--model", "version", default=None, help="Model version (default: the active one).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def evaluate(
    context: Context, data_files: tuple[str, ...], version: str | None, as_json: bool
) -> None:
    """Evaluate a model version on labelled data."""
    from training import evaluate_model

    comments = context.read_data(data_files)
    model = context.load_model(version)
    report = evaluate_model(model, comments)
    if as_json:
        _echo_json(report)
        return
    click.echo(
        f"Model {report['model_version']} on {report['n']} comments "
        f"({report['n_spam']} spam, {report['n_ham']} ham)"
    )
    for key in (
        "roc_auc",
        "pr_auc",
        "accuracy",
        "precision",
        "recall",
        "ham_blocked",
        "f1",
        "mcc",
        "brier",
    ):
        value = report[key]
        click.echo(f"  {key:<12} {value:.4f}" if isinstance(value, float) else f"  {key:<12} -")
    click.echo(
        f"  thresholds   spam ≥ {report['thresholds']['spam']:.3f}, "
        f"unsure ≥ {report['thresholds']['unsure']:.3f}"
    )


# --- models --------------------------------------------------------------------------------


@main.group()
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


# --- moderators and tokens -----------------------------------------------------------------


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password must have at least 10 characters.")
    return password


@main.group()
def moderators() -> None:
    """Moderator accounts for the moderation desk."""


@moderators.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_context
def moderators_add(context: Context, name: str, password_stdin: bool) -> None:
    """Create moderator NAME."""
    from service.auth import hash_password
    from service.storage import ConflictError

    try:
        context.repository.add_moderator(name, hash_password(_read_password(password_stdin)))
    except (ConflictError, ValueError) as error:
        raise click.ClickException(f"A moderator named {name!r} already exists.") from error
    click.echo(f"Moderator {name} added.")


@moderators.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_context
def moderators_passwd(context: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (logs out their sessions)."""
    from service.auth import hash_password
    from service.storage import NotFound

    try:
        context.repository.set_moderator_password(
            name, hash_password(_read_password(password_stdin))
        )
    except NotFound as error:
        raise click.ClickException(f"No moderator named {name!r}.") from error
    click.echo(f"Password of {name} changed; their sessions are logged out.")


@moderators.command("list")
@pass_context
def moderators_list(context: Context) -> None:
    """List moderators."""
    for row in context.repository.list_moderators():
        click.echo(f"{row.name}{'  (disabled)' if row.disabled else ''}")


@main.group()
def tokens() -> None:
    """API tokens for sites, integrations and tools."""


@tokens.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["site", "moderator", "admin"]),
    default="site",
    show_default=True,
    help="What the token may do.",
)
@pass_context
def tokens_create(context: Context, name: str, role: str) -> None:
    """Create a token; it is printed once, as the last line."""
    from service.auth import hash_token, new_token

    token = new_token()
    context.repository.add_api_token(name, hash_token(token), role)
    click.echo(f"Token {name!r} with role {role} created. Store it now; it is not shown again:")
    click.echo(token)


@tokens.command("list")
@pass_context
def tokens_list(context: Context) -> None:
    """List tokens (never their values)."""
    for row in context.repository.list_api_tokens():
        state = "revoked" if row.revoked_at else "active"
        click.echo(f"{row.id}  {row.name}  {row.role}  {state}")


@tokens.command("revoke")
@click.argument("name")
@pass_context
def tokens_revoke(context: Context, name: str) -> None:
    """Revoke the token(s) called NAME (or with id NAME)."""
    count = context.repository.revoke_api_token(name)
    if not count:
        raise click.ClickException(f"No active token named {name!r}.")
    click.echo(f"Revoked {count} token(s).")
