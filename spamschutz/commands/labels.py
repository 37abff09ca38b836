"""``spamschutz labels``: moderator labels out to a notebook and corrections back in."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import click

from spamschutz.context import Context, pass_context

__all__ = ["labels"]

_COLUMNS = ("id", "text", "label", "author", "email", "url", "lang", "decided_at")


@click.group()
def labels() -> None:
    """Training labels made by the moderators."""


@labels.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only labels from this date on.",
)
@pass_context
def labels_export(context: Context, path: str, since: datetime | None) -> None:
    """Write every label to PATH: JSON Lines for .jsonl, CSV otherwise."""
    rows = [
        {key: row.get(key) for key in _COLUMNS}
        for row in context.stores.decisions.training_labels(since=since)
    ]
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as handle:
        if target.suffix.lower() in (".jsonl", ".ndjson"):
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    click.echo(f"Exported {len(rows)} labels to {target}.")


@labels.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@pass_context
def labels_import(context: Context, path: str, dry_run: bool) -> None:
    """Bring corrected labels back: rows with an ``id`` from ``labels export``.

    A changed label is recorded as a decision by ``import:<file name>``, exactly as if a
    moderator had clicked "spam" (to the spam folder) or "not spam" (approved). Rows without a
    known id are refused: train on new data with ``spamschutz train --data FILE`` instead.
    """
    from spamschutz.service.storage import NotFound

    comments = context.read_data([path])
    current = {row["id"]: row["label"] for row in context.stores.decisions.training_labels()}
    ids = _ids(Path(path))
    if len(ids) != len(comments) or not all(ids):
        raise click.ClickException(
            f"{path}: every row needs the 'id' column from 'spamschutz labels export'."
        )
    changes = []
    for comment_id, comment in zip(ids, comments, strict=True):
        label = "spam" if comment.label else "ham"
        if current.get(comment_id) != label:
            changes.append((comment_id, label))
    if dry_run:
        click.echo(f"{len(changes)} of {len(comments)} labels would change.")
        return
    who = f"import:{Path(path).name}"
    unknown = 0
    for comment_id, label in changes:
        try:
            context.stores.decisions.decide(comment_id, label, who)
        except NotFound:
            unknown += 1
    click.echo(f"Changed {len(changes) - unknown} labels; {unknown} ids are not known here.")


def _ids(path: Path) -> list[str]:
    """The ``id`` column of a CSV/TSV or JSON Lines file, in row order."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            return [str(json.loads(line).get("id") or "") for line in handle if line.strip()]
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        return [str(row.get("id") or "") for row in csv.DictReader(handle, delimiter=delimiter)]
