"""``spamschutz score``: try the model on a comment, without a server."""

from __future__ import annotations

import json

import click

from spamschutz.context import Context, pass_context

__all__ = ["score"]


def _three_places(value: float) -> str:
    # As on the desk: rounding must not claim a certainty the model does not (0.9996 is not 1).
    if 0.9995 <= value < 1:
        return "> 0.999"
    if 0 < value < 0.0005:
        return "< 0.001"
    return f"{value:.3f}"


@click.command()
@click.argument("text", required=False)
@click.option("--file", "path", type=click.File("r", encoding="utf-8"),
              help="Read the comment's text from FILE ('-' for standard input).")
@click.option("--author", default="", help="The commenter's name.")
@click.option("--email", default="", help="The commenter's e-mail address.")
@click.option("--url", default="", help="The commenter's website.")
@click.option("--model", "version", default=None, help="Model version [default: the active one].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_context
def score(context: Context, text: str | None, path, author: str, email: str, url: str,
          version: str | None, as_json: bool) -> None:
    """Score one comment: its spam score, band (ham / unsure / spam) and the reasons.

    \b
    spamschutz score "Cheap pills at http://pills.example"
    spamschutz score --file comment.txt --author "Anna" --url https://anna.example
    """
    from spamschutz.model import score_with_reasons

    if (text is None) == (path is None):
        raise click.UsageError("Give the comment's text, or --file FILE (not both).")
    comment_text = text if text is not None else path.read()
    if not comment_text.strip():
        raise click.UsageError("The comment is empty.")
    model = context.load_model(version)
    value, reasons = score_with_reasons(
        model, {"text": comment_text, "author": author, "email": email, "url": url})
    band = model.thresholds.band(value)
    if as_json:
        click.echo(json.dumps({
            "score": round(value, 4), "band": band, "model_version": model.metadata.get("version"),
            "thresholds": {"unsure": model.thresholds.unsure, "spam": model.thresholds.spam},
            "reasons": [reason.as_dict() for reason in reasons],
        }, ensure_ascii=False))
        return
    thresholds = model.thresholds
    click.echo(f"score {_three_places(value)}  {band}  (model {model.metadata.get('version')}: "
               f"unsure from {thresholds.unsure:.2f}, spam folder from {thresholds.spam:.2f})")
    for reason in reasons:
        line = reason.as_dict()
        arrow = "↑" if line.get("direction") == "spam" else "↓"
        click.echo(f"  {arrow} {line.get('direction')}: {line.get('description')} "
                   f"({float(line.get('weight') or 0):+.2f})")
    if not reasons:
        click.echo("  (no word or signal moved the score)")
