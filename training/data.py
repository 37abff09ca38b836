"""Readers for labelled comments: generic CSV/TSV/JSON Lines and known public corpora.

Every reader yields :class:`LabelledComment`. A malformed file raises :class:`DataError` naming
the file and line, because a data scientist fixing a 100,000-line export needs to know where.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "DataError",
    "LabelledComment",
    "iter_comments",
    "parse_label",
    "read_comments",
    "read_many",
]

# Field size limit for csv: comments can be long, the default of 128 KiB is not enough.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_SPAM = {"spam", "1", "true", "yes", "y", "t"}
_HAM = {"ham", "0", "false", "no", "n", "f", "not spam", "not_spam"}


class DataError(ValueError):
    """A training file that cannot be read as labelled comments."""


@dataclass(frozen=True)
class LabelledComment:
    """One comment with its label (``1`` spam, ``0`` ham) and optional metadata."""

    text: str
    label: int
    author: str = ""
    email: str = ""
    url: str = ""
    lang: str = ""
    group: str = ""  # where it came from (file, video, thread): for grouped evaluation
    date: str = ""

    def as_input(self) -> dict[str, str]:
        """The mapping the model's pipeline takes."""
        return {
            "text": self.text,
            "author": self.author,
            "email": self.email,
            "url": self.url,
            "lang": self.lang,
        }

    def as_dict(self) -> dict[str, object]:
        """All fields, for JSON export."""
        return asdict(self)


def parse_label(value: object) -> int:
    """``1`` for spam, ``0`` for ham, from the spellings exports use."""
    text = str(value).strip().lower()
    if text in _SPAM:
        return 1
    if text in _HAM:
        return 0
    raise ValueError(f"label {value!r} is neither spam (spam/1/true) nor ham (ham/0/false)")


def _pick(row: dict[str, str], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None:
            return str(value)
    return ""


def _from_row(row: dict[str, object], group: str) -> LabelledComment:
    lowered = {str(key).strip().lower(): value for key, value in row.items() if key is not None}
    if "content" in lowered and "class" in lowered:  # YouTube Spam Collection
        text, label = lowered["content"], lowered["class"]
    else:
        if "text" not in lowered or "label" not in lowered:
            raise ValueError("needs the columns 'text' and 'label'")
        text, label = lowered["text"], lowered["label"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the text is empty")
    fields = {key: "" if value is None else str(value) for key, value in lowered.items()}
    return LabelledComment(
        text=text,
        label=parse_label(label),
        author=_pick(fields, "author", "comment_author"),
        email=_pick(fields, "email", "author_email"),
        url=_pick(fields, "url", "author_url"),
        lang=_pick(fields, "lang", "language"),
        group=_pick(fields, "group", "thread", "thread_id") or group,
        date=_pick(fields, "date", "created_at", "decided_at"),
    )


def _read_jsonl(path: Path) -> Iterator[LabelledComment]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("each line must be a JSON object")
                yield _from_row(row, path.stem)
            except ValueError as error:
                raise DataError(f"{path}, line {number}: {error}") from error


def _is_sms_collection(first_line: str) -> bool:
    head, _, rest = first_line.partition("\t")
    return head.strip().lower() in ("spam", "ham") and bool(rest)


def _read_sms(path: Path) -> Iterator[LabelledComment]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            label, tab, text = line.rstrip("\r\n").partition("\t")
            if not tab or not text.strip():
                raise DataError(f"{path}, line {number}: expected 'spam|ham<TAB>text'")
            try:
                yield LabelledComment(text=text, label=parse_label(label), group=path.stem)
            except ValueError as error:
                raise DataError(f"{path}, line {number}: {error}") from error


def _read_delimited(path: Path, delimiter: str) -> Iterator[LabelledComment]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        start = 2  # the line a row begins on (after the header)
        for row in reader:
            try:
                if None in row.values():
                    raise ValueError(_short_row(start, reader.line_num))
                yield _from_row(row, path.stem)
            except ValueError as error:
                raise DataError(f"{path}, line {start}: {error}") from error
            start = reader.line_num + 1


def _short_row(start: int, end: int) -> str:
    # csv fills the columns a row lacks with None; an unclosed quote makes a row swallow the
    # lines after it, which then lack their label.
    if end > start:
        return (f"a quote (\") opened in this row is never closed, so lines {start}-{end} were "
                "read as one field; close the quote or double the quotes inside the text (\"\")")
    return "this row has fewer columns than the header"


def _delimiter(header: str) -> str:
    """The header's separator: comma, semicolon (German Excel's CSV) or tab, whichever it
    has most of (a comma on a tie)."""
    return max((",", ";", "\t"), key=header.count)


def iter_comments(path: str | Path) -> Iterator[LabelledComment]:
    """Read one file lazily, a comment at a time: CSV, TSV, JSON Lines, a YouTube Spam
    Collection CSV or the SMS corpus (the format is told by the suffix and the first line)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline()
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson", ".json"):
            rows = _read_jsonl(path)
        elif _is_sms_collection(first):
            rows = _read_sms(path)
        else:
            rows = _read_delimited(path, "\t" if suffix == ".tsv" else _delimiter(first))
        yield from rows
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason})") from error


def read_comments(path: str | Path) -> list[LabelledComment]:
    """Read one file whole (see :func:`iter_comments`); a file without comments is an error."""
    rows = list(iter_comments(path))
    if not rows:
        raise DataError(f"{path}: no labelled comments found")
    return rows


def read_many(paths: Iterable[str | Path]) -> list[LabelledComment]:
    """Read and concatenate several files."""
    return [comment for path in paths for comment in read_comments(path)]
