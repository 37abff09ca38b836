"""The work a backtracking regular-expression engine does on a text, counted in steps.

Python's ``re`` is a backtracking engine: a pattern that is linear on every comment can be
quadratic or worse on a text written to hurt it (ReDoS). Timing a pattern tells little on a
busy machine, and a count cannot be read from ``re`` itself, so this module runs the same parse
tree (``re._parser``) the plain way, without ``re``'s shortcuts, and counts every node tried
and every character a repetition reads. ``re``'s optimisations (literal prefixes, repetitions
checked against the next literal) only skip work this plain engine does, so a pattern whose
count grows linearly here cannot be worse than linear in ``re``.

Scanning follows ``finditer``/``sub``: a match attempt at each position, continuing after the
end of each match. :class:`StepLimitExceeded` ends a count that passes its limit, so a test of a
quadratic pattern fails fast instead of running for minutes.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from re import _constants as c
from re import _parser

__all__ = ["StepLimitExceeded", "alphabet", "count_steps", "find_spans", "largest_bound"]

Continuation = Callable[[int, tuple], "int | None"]


class StepLimitExceeded(Exception):
    """The count passed its limit."""


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _category(category: object, char: str, ascii_only: bool) -> bool:
    if ascii_only and not char.isascii():
        return category in (c.CATEGORY_NOT_DIGIT, c.CATEGORY_NOT_SPACE, c.CATEGORY_NOT_WORD)
    if category is c.CATEGORY_DIGIT:
        return char.isdecimal()
    if category is c.CATEGORY_NOT_DIGIT:
        return not char.isdecimal()
    if category is c.CATEGORY_SPACE:
        return char.isspace()
    if category is c.CATEGORY_NOT_SPACE:
        return not char.isspace()
    if category is c.CATEGORY_WORD:
        return _is_word(char)
    if category is c.CATEGORY_NOT_WORD:
        return not _is_word(char)
    raise NotImplementedError(f"category {category}")


class _Engine:
    def __init__(self, pattern: re.Pattern[str], limit: int) -> None:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        flags = parsed.state.flags
        self.ignore_case = bool(flags & re.IGNORECASE)
        self.dot_all = bool(flags & re.DOTALL)
        self.multiline = bool(flags & re.MULTILINE)
        self.ascii_only = bool(flags & re.ASCII)
        self.items = self._prepare(parsed)
        self.limit = limit
        self.steps = 0
        self.text = ""
        self.spans: list[tuple[int, int]] = []

    # The parse tree, turned once into tuples that are quick to walk: ("char", test) for every
    # single-character item, its test remembered per character.
    def _prepare(self, items: object) -> tuple:
        prepared = []
        for op, av in items:
            if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
                prepared.append(("char", self._char_test(op, av)))
            elif op is c.AT:
                prepared.append(("at", av))
            elif op is c.SUBPATTERN:
                prepared.append(("group", av[0], self._prepare(av[3])))
            elif op is c.BRANCH:
                prepared.append(("branch", tuple(self._prepare(a) for a in av[1])))
            elif op is c.ATOMIC_GROUP:
                prepared.append(("atomic", self._prepare(av)))
            elif op in (c.ASSERT, c.ASSERT_NOT):
                direction, body = av
                width = body.getwidth()[0] if direction < 0 else 0
                prepared.append(("look", direction < 0, op is c.ASSERT, self._prepare(body), width))
            elif op is c.GROUPREF:
                prepared.append(("ref", av))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                low, high, body = av
                kind = {c.MAX_REPEAT: "greedy", c.MIN_REPEAT: "lazy"}.get(op, "possessive")
                body = self._prepare(body)
                single = body[0][1] if len(body) == 1 and body[0][0] == "char" else None
                prepared.append(("repeat", kind, low, high, body, single))
            else:
                raise NotImplementedError(f"operator {op}")
        return tuple(prepared)

    def _char_test(self, op: object, av: object) -> Callable[[str], bool]:
        known: dict[str, bool] = {}

        def test(char: str) -> bool:
            result = known.get(char)
            if result is None:
                result = known[char] = self._single(op, av, char)
            return result

        return test

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limit:
            raise StepLimitExceeded(self.steps)

    def _single(self, op: object, av: object, char: str) -> bool:
        if op is c.LITERAL:
            return self._same(chr(av), char)
        if op is c.NOT_LITERAL:
            return not self._same(chr(av), char)
        if op is c.ANY:
            return self.dot_all or char != "\n"
        return self._in(av, char)

    def _same(self, expected: str, char: str) -> bool:
        if self.ignore_case:
            return expected.lower() == char.lower() or expected.upper() == char.upper()
        return expected == char

    def _in(self, members: list, char: str) -> bool:
        negate = False
        found = False
        for op, av in members:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                found = found or self._same(chr(av), char)
            elif op is c.RANGE:
                low, high = av
                found = found or low <= ord(char) <= high
                if self.ignore_case and not found:
                    found = any(low <= ord(x) <= high for x in (char.lower(), char.upper()))
            elif op is c.CATEGORY:
                found = found or _category(av, char, self.ascii_only)
            else:
                raise NotImplementedError(f"class member {op}")
        return found != negate

    def _at(self, where: object, pos: int) -> bool:
        text = self.text
        if where in (c.AT_BEGINNING, c.AT_BEGINNING_LINE):
            return pos == 0 or (self.multiline and text[pos - 1] == "\n")
        if where is c.AT_BEGINNING_STRING:
            return pos == 0
        if where in (c.AT_END, c.AT_END_LINE):
            if pos == len(text) or (pos == len(text) - 1 and text[pos] == "\n"):
                return True
            return self.multiline and text[pos] == "\n"
        if where is c.AT_END_STRING:
            return pos == len(text)
        if where in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
            before = pos > 0 and self._word(text[pos - 1])
            after = pos < len(text) and self._word(text[pos])
            return (before != after) == (where is c.AT_BOUNDARY)
        raise NotImplementedError(f"position {where}")

    def _word(self, char: str) -> bool:
        return _is_word(char) and (char.isascii() or not self.ascii_only)

    def match(self, items: tuple, index: int, pos: int, groups: tuple, then: Continuation):
        """Match ``items[index:]`` at ``pos``, then ``then``; the end position or ``None``."""
        self.steps += 1
        if self.steps > self.limit:
            raise StepLimitExceeded(self.steps)
        if index == len(items):
            return then(pos, groups)
        item = items[index]
        kind = item[0]
        text = self.text
        if kind == "char":
            if pos < len(text) and item[1](text[pos]):
                return self.match(items, index + 1, pos + 1, groups, then)
            return None

        def rest(end: int, new_groups: tuple):
            return self.match(items, index + 1, end, new_groups, then)

        if kind == "at":
            return rest(pos, groups) if self._at(item[1], pos) else None
        if kind == "group":
            group = item[1]

            def close(end: int, inner: tuple):
                if group is None:
                    return rest(end, inner)
                return rest(end, (*inner, (group, (pos, end))))

            return self.match(item[2], 0, pos, groups, close)
        if kind == "branch":
            char = text[pos] if pos < len(text) else None
            for alternative in item[1]:
                first = alternative[0] if alternative else ("empty",)
                if first[0] == "char" and (char is None or not first[1](char)):
                    self.tick()  # what trying it would cost: one step
                    continue
                end = self.match(alternative, 0, pos, groups, rest)
                if end is not None:
                    return end
            return None
        if kind == "atomic":
            inner = self.match(item[1], 0, pos, groups, lambda end, g: (end, g))
            return None if inner is None else rest(*inner)
        if kind == "look":
            _, behind, positive, body, width = item
            if behind:
                start = pos - width
                found = start >= 0 and (
                    self.match(body, 0, start, groups, lambda end, g: end if end == pos else None)
                    is not None
                )
            else:
                found = self.match(body, 0, pos, groups, lambda end, g: end) is not None
            return rest(pos, groups) if found == positive else None
        if kind == "ref":
            span = dict(groups).get(item[1])
            if span is None:
                return None
            captured = text[span[0] : span[1]]
            self.tick(len(captured))
            if text.startswith(captured, pos):
                return rest(pos + len(captured), groups)
            return None
        return self.repeat(item, pos, groups, rest)

    def repeat(self, item: tuple, pos: int, groups: tuple, rest: Continuation):
        _, kind, low, high, body, single = item
        if single is not None:
            return self.repeat_single(kind, low, high, single, pos, groups, rest)
        if kind == "possessive":
            end, count = pos, 0
            while count < high:
                inner = self.match(body, 0, end, groups, lambda e, g: (e, g))
                if inner is None or (inner[0] == end and count >= low):
                    break
                (end, groups), count = inner, count + 1
            return rest(end, groups) if count >= low else None
        greedy = kind == "greedy"

        def attempt(count: int, at: int, current: tuple):
            self.tick()

            def again(end: int, g: tuple):
                if end == at and count >= low:
                    return None  # an empty iteration would loop forever
                return attempt(count + 1, end, g)

            if greedy:
                if count < high:
                    end = self.match(body, 0, at, current, again)
                    if end is not None:
                        return end
                return rest(at, current) if count >= low else None
            if count >= low:
                end = rest(at, current)
                if end is not None:
                    return end
            return self.match(body, 0, at, current, again) if count < high else None

        return attempt(0, pos, groups)

    def repeat_single(self, kind, low, high, test, pos, groups, rest):
        text = self.text
        count = 0
        limit = min(high, len(text) - pos)
        if kind == "lazy":
            while True:
                if count >= low:
                    end = rest(pos + count, groups)
                    if end is not None:
                        return end
                self.tick()
                if count >= limit or not test(text[pos + count]):
                    return None
                count += 1
        while count < limit and test(text[pos + count]):
            count += 1
        self.tick(count + 1)
        if kind == "possessive":
            return rest(pos + count, groups) if count >= low else None
        while count >= low:
            end = rest(pos + count, groups)
            if end is not None:
                return end
            count -= 1
        return None

    def scan(self, text: str) -> int:
        self.text = text
        pos = 0
        while pos <= len(text):
            self.tick()
            end = self.match(self.items, 0, pos, (), lambda end, g: end)
            if end is not None:
                self.spans.append((pos, end))
            pos = end if end is not None and end > pos else pos + 1
        return self.steps


def count_steps(pattern: re.Pattern[str], text: str, limit: int = 5_000_000) -> int:
    """Steps a plain backtracking engine takes to find every match of ``pattern`` in ``text``
    (as ``finditer`` does); :class:`StepLimitExceeded` past ``limit``."""
    return _run(pattern, text, limit).steps


def find_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The spans of the matches the plain engine finds, to check it against ``re``."""
    return _run(pattern, text, 50_000_000).spans


def _run(pattern: re.Pattern[str], text: str, limit: int) -> _Engine:
    engine = _Engine(pattern, limit)
    result: list[object] = []

    def run() -> None:
        try:
            result.append(engine.scan(text))
        except BaseException as error:  # handed to the caller's thread
            result.append(error)

    # Every repetition of a group nests a call: a thread with room for deep recursion.
    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size(512 * 1024 * 1024)
    sys.setrecursionlimit(max(old_limit, 1_000_000))
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if isinstance(result[0], BaseException):
        raise result[0]
    return engine


_REPRESENTATIVES = {
    c.CATEGORY_DIGIT: "07",
    c.CATEGORY_NOT_DIGIT: "a-",
    c.CATEGORY_SPACE: " \n",
    c.CATEGORY_NOT_SPACE: "a.",
    c.CATEGORY_WORD: "aZ_9ä",
    c.CATEGORY_NOT_WORD: "-. ",
}


def alphabet(pattern: re.Pattern[str]) -> str:
    """Characters the pattern names (literals, ends of ranges, members of classes): what an
    attacker would build a text from."""
    found: set[str] = set()

    def walk(items: object) -> None:
        for op, av in items:
            if op in (c.LITERAL, c.NOT_LITERAL):
                found.add(chr(av))
            elif op is c.RANGE:
                found.update({chr(av[0]), chr(av[1]), chr((av[0] + av[1]) // 2)})
            elif op is c.CATEGORY:
                found.update(_REPRESENTATIVES.get(av, ""))
            elif op is c.IN:
                walk(av)
            elif op is c.BRANCH:
                for alternative in av[1]:
                    walk(alternative)
            elif op is c.SUBPATTERN:
                walk(av[3])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                walk(av[2])
            elif op in (c.ASSERT, c.ASSERT_NOT):
                walk(av[1])
            elif op is c.ATOMIC_GROUP:
                walk(av)

    walk(_parser.parse(pattern.pattern, pattern.flags))
    return "".join(sorted(found))


def largest_bound(pattern: re.Pattern[str]) -> int:
    """The largest finite upper bound of a repetition in ``pattern`` (``{0,61}``: 61), 0 if
    none: a text must be longer than that before the pattern's growth shows."""
    largest = 0

    def walk(items: object) -> None:
        nonlocal largest
        for op, av in items:
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                if av[1] is not c.MAXREPEAT:
                    largest = max(largest, int(av[1]))
                walk(av[2])
            elif op is c.BRANCH:
                for alternative in av[1]:
                    walk(alternative)
            elif op is c.SUBPATTERN:
                walk(av[3])
            elif op in (c.ASSERT, c.ASSERT_NOT):
                walk(av[1])
            elif op is c.ATOMIC_GROUP:
                walk(av)

    walk(_parser.parse(pattern.pattern, pattern.flags))
    return largest
