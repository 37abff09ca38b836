"""The day-one benchmark's results as markdown: one table per measurement of ``bench.day_one``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.quality import describe_environment, markdown_table
from spamschutz.training.variants import LINE_ENDINGS

__all__ = ["markdown"]

Row = Mapping[str, object]

FIGURE_COLUMNS = (
    ("n", "n"),
    ("spam", "n_spam"),
    ("ROC-AUC", "roc_auc"),
    ("spam caught", "spam_caught"),
    ("ham blocked", "ham_blocked"),
    ("ham flagged", "ham_flagged"),
)


def _file(name: object) -> str:
    return str(name).removeprefix("youtube-spam-collection/")


def _ratio(value: object) -> str:
    return "–" if value is None else f"{value:.4f}"


def _percent(value: object, count: object = None) -> str:
    if value is None:
        return "–"
    text = f"{100 * float(value):.1f} %" if count is None else f"{100 * float(value):.2f} %"
    return text if count is None else f"{text} ({count})"


def _cells(row: Row) -> dict[str, str]:
    """A figures row (``Scores.figures``) as table cells: ham rates with their counts."""
    return {
        "n": str(row["n"]),
        "n_spam": str(row["n_spam"]),
        "roc_auc": _ratio(row.get("roc_auc")),
        "mcc": _ratio(row.get("mcc")),
        "spam_caught": _percent(row.get("spam_caught")),
        "ham_blocked": _percent(row.get("ham_blocked"), row.get("ham_blocked_n")),
        "ham_flagged": _percent(row.get("ham_flagged"), row.get("ham_flagged_n")),
    }


def _figures_table(rows: Sequence[Row], first: tuple[str, str], extra=()) -> str:
    cells = [{first[1]: _file(row[first[1]]), **_cells(row)} for row in rows]
    columns = (first, *FIGURE_COLUMNS[:3], *extra, *FIGURE_COLUMNS[3:])
    return markdown_table(cells, columns, percent=())


def _line_endings_table(rows: Sequence[Row]) -> str:
    cells = [
        {
            "file": _file(row["file"]),
            "n": str(row["n"]),
            "breaks": str(row["with_line_breaks"]),
            "largest": f"{row['largest_change']:.3f}",
            "over": str(row["changed_over_0_01"]),
            **{ending: _percent(row["ham_flagged"][ending]) for ending in LINE_ENDINGS},
        }
        for row in rows
    ]
    columns = [
        ("file", "file"),
        ("comments", "n"),
        ("with line breaks", "breaks"),
        ("largest score change", "largest"),
        ("changed > 0.01", "over"),
    ]
    columns += [(f"ham flagged, `{ending}`", ending) for ending in LINE_ENDINGS]
    return markdown_table(cells, columns, percent=())


def _citing_table(rows: Sequence[Row]) -> str:
    cells = []
    for row in rows:
        before, after = _cells(row["before"]), _cells(row["with_reference_link"])
        cells.append(
            {
                "file": _file(row["file"]),
                "n": str(row["n"]),
                "blocked": before["ham_blocked"],
                "blocked_citing": after["ham_blocked"],
                "flagged": before["ham_flagged"],
                "flagged_citing": after["ham_flagged"],
            }
        )
    columns = (
        ("file", "file"),
        ("ham", "n"),
        ("blocked as written", "blocked"),
        ("blocked citing a source", "blocked_citing"),
        ("flagged as written", "flagged"),
        ("flagged citing a source", "flagged_citing"),
    )
    return markdown_table(cells, columns, percent=())


def _retrained_table(rows: Sequence[Row]) -> str:
    cells = [{"file": _file(r["file"]), "variant": str(r["variant"]), **_cells(r)} for r in rows]
    columns = (
        ("file", "file"),
        ("variant", "variant"),
        ("n", "n"),
        ("ham blocked", "ham_blocked"),
        ("ham flagged", "ham_flagged"),
    )
    return markdown_table(cells, columns, percent=())


def _header(report: Row) -> str:
    env, model = report["environment"], report["starter_model"]
    data = model["data"]
    public = ", ".join(report["public_files_in_starter"]) or "none"
    return (
        f"Command: `{report['command']}` (spamschutz {env['spamschutz']}, commit "
        f"`{env['commit']}`; {describe_environment(env)}; the whole run took "
        f"{report['seconds']} s, {len(report['training_seconds'])} models trained "
        f"{report['jobs']} at a time).\n\n"
        f"The starter model `{model['version']}`, trained as a fresh install trains it on "
        f"{data.get('n')} comments ({data.get('n_spam')} spam) in "
        f"{model['training_seconds']} s: spam folder from {model['thresholds']['spam']}, "
        f"'unsure' from {model['thresholds']['unsure']}. Public data files in the starter corpus "
        f"(each scored by a starter model trained without it): {public}.\n\n"
        "Spam caught and ham blocked: at or above the spam-folder threshold; ham flagged: at or "
        "above 'unsure' (unsure or spam). Ham rates with the number of comments in brackets; "
        "ROC-AUC only where a file has both classes.\n"
    )


def markdown(report: Row) -> str:
    """The whole report: a header saying how it was measured, then a table per measurement."""
    retrained = report["retrained_on_all_videos"]
    parts = [
        f"# Day one: the starter model on real comments ({report['generated']})\n",
        _header(report),
        "## The starter model, comments as they are\n",
        _figures_table(report["as_they_are"], ("file", "file")) + "\n",
        "## Every comment with a personal website in the website field\n",
        _figures_table(report["with_websites"], ("file", "file")) + "\n",
        "## Line endings `\\n`, `\\r\\n`, `\\r`\n",
        "The largest difference between a comment's scores under the three line endings, and "
        "how many comments' scores differ by more than 0.01.\n",
        _line_endings_table(report["line_endings"]) + "\n",
        "## Ham citing a reference site\n",
        "Every honest comment with a link to an encyclopaedia, broadcaster, statistics office, "
        "government or newspaper page added as a reader cites a source.\n",
        _citing_table(report["ham_citing_reference_sites"]) + "\n",
        "## After retraining on the starter corpus and all five videos\n",
        f"The model a site has after `spamschutz train --starter --data` with the five videos "
        f"(trained in {retrained['training_seconds']} s), on the files it did not learn from.\n",
        _retrained_table(retrained["rows"]) + "\n",
        "## Leave one video out after training\n",
        "Each video scored by a model trained on the starter corpus and the other four videos, "
        "at that model's own thresholds; MCC at the spam-folder threshold.\n",
        _figures_table(report["leave_one_video_out"], ("video", "file"), (("MCC", "mcc"),)) + "\n",
    ]
    return "\n".join(parts)
