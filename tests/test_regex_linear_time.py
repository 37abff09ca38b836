"""Every regular expression that reads comment text, request bodies or log lines runs in linear
time on any input (no ReDoS).

The work is counted, not timed: :mod:`tests.model.backtracking` runs each pattern's parse tree
as a plain backtracking engine and counts its steps, an upper bound of what ``re`` does. A
pattern is linear when four times the text costs at most about four times the steps; a
quadratic one costs sixteen times. The patterns are collected from the modules that read such
text, so a pattern added there is checked without being listed here.
"""

from __future__ import annotations

import importlib
import re
from itertools import product

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nltk.redos import TimedPattern

from spamschutz.model import text as model_text
from tests.model.backtracking import (
    StepLimitExceeded,
    alphabet,
    count_steps,
    find_spans,
    largest_bound,
)

# Modules whose patterns see text a client chose: comment fields, request bodies and paths
# (logged), challenge answers, site names.
MODULES = (
    "spamschutz.model.text",
    "spamschutz.model.features",
    "spamschutz.model.promotion",
    "spamschutz.service.api.validation",
    "spamschutz.service.observability.logs",
    "spamschutz.service.moderation.login",
    "spamschutz.service.moderation.highlight",
    "spamschutz.service.challenge",
    "spamschutz.service.campaigns.fingerprint",
    "spamschutz.service.sites",
)
# Characters most patterns give meaning to, beside the ones a pattern names itself.
SPECIALS = " .@-/:0a\n"
# Quadratic work grows 16-fold when the text grows 4-fold, linear work 4-fold: a growth above 6
# is not linear, with room for the constant part of the work.
MAX_GROWTH = 6.0


def _patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found[f"{module_name}.{name}"] = value
            elif isinstance(value, TimedPattern):  # nltk's wrapper: the same pattern in `regex`
                found[f"{module_name}.{name}"] = re.compile(value.pattern, re.UNICODE)
    return found


PATTERNS = _patterns()


def test_the_patterns_on_client_text_are_collected():
    assert {
        "spamschutz.model.text._EMAIL",
        "spamschutz.model.text._URL",
        "spamschutz.service.api.validation._JSON_STRING",
    } <= set(PATTERNS)
    assert len(PATTERNS) >= 30


def _growth(pattern: re.Pattern[str], prefix: str, pump: str, suffix: str) -> float:
    """Steps on a text with ``pump`` repeated four times as often as in a text just longer than
    the pattern's bounded repetitions, over steps on that text."""
    length = max(48, largest_bound(pattern) + 32)
    times = max(1, length // len(pump))
    small = count_steps(pattern, prefix + pump * times + suffix, limit=2_000_000)
    try:
        large = count_steps(pattern, prefix + pump * (4 * times) + suffix, limit=40 * small)
    except StepLimitExceeded:
        return float("inf")
    return large / small


def _worst_cases(pattern: re.Pattern[str]) -> list[str]:
    """Texts an attacker would try: runs of one character the pattern names, and of two."""
    chars = sorted(set(alphabet(pattern) + SPECIALS))
    partners = chars if len(chars) <= 16 else " .-@0+$"
    return chars + [a + b for a, b in product(chars, partners) if a != b]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_work_grows_linearly_on_its_worst_case(name: str):
    pattern = PATTERNS[name]
    growth = {pump: _growth(pattern, "", pump, "") for pump in _worst_cases(pattern)}
    worst = max(growth, key=growth.__getitem__)
    assert growth[worst] <= MAX_GROWTH, (
        f"{name}: {worst!r} × 4 costs {growth[worst]:.1f} times the steps"
    )


def _adversarial(pattern: re.Pattern[str]) -> st.SearchStrategy[tuple[str, str, str]]:
    chars = st.sampled_from(sorted(set(alphabet(pattern) + SPECIALS)))
    piece = st.text(chars, min_size=0, max_size=4)
    return st.tuples(piece, piece.filter(bool), piece)


@pytest.mark.parametrize("name", sorted(PATTERNS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pattern_work_grows_linearly_on_generated_attacks(name: str, data: st.DataObject):
    pattern = PATTERNS[name]
    prefix, pump, suffix = data.draw(_adversarial(pattern))
    growth = _growth(pattern, prefix, pump, suffix)
    assert growth <= MAX_GROWTH, f"{name}: {prefix!r} + {pump!r} × n + {suffix!r}: {growth:.1f}"


@pytest.mark.parametrize("name", sorted(PATTERNS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_step_counter_finds_what_re_finds(name: str, data: st.DataObject):
    pattern = PATTERNS[name]
    chars = st.sampled_from(sorted(set(alphabet(pattern) + SPECIALS)))
    text = data.draw(st.text(chars, max_size=30))
    assert find_spans(pattern, text) == [m.span() for m in pattern.finditer(text)]


def test_email_pattern_reads_the_reported_attack_in_linear_steps():
    # The reported attack: 64,900 dashes and " x@" took 7.3 s in normalise(); 32 k took 1.7 s.
    attack = "-" * 64_900 + " x@"
    assert count_steps(model_text._EMAIL, attack, limit=10 * len(attack)) <= 10 * len(attack)


def test_json_depth_check_reads_escaped_quotes_in_linear_steps():
    from spamschutz.service.api.validation import _JSON_STRING

    attack = "[" * 17 + '\\"' * 20_000
    assert count_steps(_JSON_STRING, attack, limit=10 * len(attack)) <= 10 * len(attack)


# The patterns as they were before they were made linear: the new ones must rewrite every
# text exactly as these did.
_OLD_EMAIL = re.compile(rf"(?<![\w:@.])[\w.+-]+@({model_text._DOMAIN})")
_LEET_CHAR = model_text._LEET_CHAR
_OLD_LEET_WORD = re.compile(
    rf"(?<![\w:@.-])(?=(?:{_LEET_CHAR})*[a-zäöüß])(?=(?:{_LEET_CHAR})*[013457@$€])"
    rf"(?:{_LEET_CHAR}){{3,}}(?![\w@$€])"
)
_DOT = model_text._DOT_WORD
_OLD_OBFUSCATED_DOT = re.compile(
    rf"\b([a-z0-9-]+)\s*(?:(?:\[\s*{_DOT}\s*\]|\(\s*{_DOT}\s*\)|\{{\s*{_DOT}\s*\}}"
    rf"|\s*\[\.\]\s*|\s*\(\.\)\s*)\s*([a-z]{{2,6}})|\s+{_DOT}\s+({model_text._TLDS}))\b"
)
_REWRITES = {
    "email": (
        _OLD_EMAIL,
        lambda m: f" emailx dom:{m.group(1)} ",
        model_text._EMAIL,
        model_text._email_marker,
    ),
    "leet": (
        _OLD_LEET_WORD,
        lambda m: m.group(0).translate(model_text._LEET),
        model_text._LEET_WORD,
        model_text._unleet,
    ),
    "obfuscated_dot": (
        _OLD_OBFUSCATED_DOT,
        lambda m: f"{m.group(1)}.{m.group(2) or m.group(3)}",
        model_text._OBFUSCATED_DOT,
        model_text._undot,
    ),
}
_PIECES = [*"ab0-+.:@$€_ß x", "dot", "[.]", "(dot)", "com", "de", " punkt "]


@pytest.mark.parametrize("rewrite", sorted(_REWRITES))
@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=14))
def test_linear_pattern_rewrites_text_as_the_old_one_did(rewrite: str, pieces: list[str]):
    old, old_replace, new, new_replace = _REWRITES[rewrite]
    text = "".join(pieces)
    assume(not _starts_where_the_last_ended(old, text))
    assert new.sub(new_replace, text) == old.sub(old_replace, text)


def _starts_where_the_last_ended(pattern: re.Pattern[str], text: str) -> bool:
    """Whether a match of ``pattern`` begins right where the one before ended. The old
    obfuscated dot then took the rest of a run of name characters as a name of its own
    ("a[.]aa-[.]aa" gave "a.aa-.aa"); the linear one starts a name only where its run starts
    and leaves it. Neither output is a domain."""
    ends = [match.end() for match in pattern.finditer(text)]
    starts = [match.start() for match in pattern.finditer(text)]
    return any(start in ends[:index] for index, start in enumerate(starts))


@pytest.mark.parametrize(
    ("rewrite", "text"),
    [
        ("email", "mailto:-leser@example.de"),
        ("email", "a+-b@x.de"),
        ("leet", ".$v1agra"),
        ("leet", "$$$v1agra"),
        ("obfuscated_dot", "_b-c dot com"),
        ("obfuscated_dot", "ß-foo [dot] biz"),
        ("obfuscated_dot", "-abc dot com"),
    ],
)
def test_linear_pattern_rewrites_edge_cases_as_the_old_one_did(rewrite: str, text: str):
    old, old_replace, new, new_replace = _REWRITES[rewrite]
    assert new.sub(new_replace, text) == old.sub(old_replace, text)
