"""Challenge questions: forgiving answers, signed tokens with distinct refusals."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer

from service.challenge import ChallengeError, QuestionBank, answer_matches, normalise_answer


@pytest.mark.parametrize(
    ("given_answer", "accepted"),
    [
        ("Sieben", ["7"]),
        ("seven", ["7"]),
        (" 7. ", ["7"]),
        ("WEISS", ["weiß"]),
        ("weiss", ["weiß"]),
        ("Weiß", ["weiss"]),
        ("berlin!", ["Berlin"]),
        ("zwanzig", ["20"]),
    ],
)
def test_answers_are_compared_forgivingly(given_answer: str, accepted: list[str]) -> None:
    assert answer_matches(given_answer, accepted)


@pytest.mark.parametrize(("given_answer", "accepted"), [("8", ["7"]), ("", ["7"]), ("  ", ["7"])])
def test_wrong_or_empty_answers_do_not_match(given_answer: str, accepted: list[str]) -> None:
    assert not answer_matches(given_answer, accepted)


@given(st.text(max_size=40))
def test_answer_normalisation_never_raises_and_is_stable(text: str) -> None:
    once = normalise_answer(text)
    assert normalise_answer(once) == once


def _bank(tmp_path, ttl: int = 1800, secret: str = "s" * 40) -> QuestionBank:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([{"lang": "de", "question": "Drei plus vier?", "answers": ["7"]}]))
    return QuestionBank(secret, ttl, str(path))


def test_right_answer_verifies(tmp_path) -> None:
    bank = _bank(tmp_path)
    issued = bank.issue("de")
    assert bank.verify(issued.token, "sieben").question == issued.question


def _code(bank: QuestionBank, token: str, answer: str = "7") -> str:
    with pytest.raises(ChallengeError) as caught:
        bank.verify(token, answer)
    return caught.value.code


def test_challenge_refusals_have_distinct_codes(tmp_path) -> None:
    bank = _bank(tmp_path)
    token = bank.issue("de").token
    assert _code(bank, "") == "challenge_missing"
    assert _code(bank, token, "8") == "challenge_wrong"
    assert _code(bank, token[:-2] + "xx") == "challenge_invalid"
    assert _code(_bank(tmp_path, secret="another-site-" + "k" * 30), token) == "challenge_invalid"
    foreign = URLSafeTimedSerializer("s" * 40, salt="spamschutz.challenge").dumps(
        {"q": "no-such-question", "n": "abc"}
    )
    assert _code(bank, foreign) == "challenge_unknown"


def test_expired_token_is_refused(tmp_path) -> None:
    bank = _bank(tmp_path, ttl=1)
    token = bank.issue("de").token
    bank.ttl_seconds = -1  # everything issued is now older than the TTL
    assert _code(bank, token) == "challenge_expired"


def test_bank_falls_back_to_any_language(tmp_path) -> None:
    assert _bank(tmp_path).issue("en").question.lang == "de"


def test_built_in_bank_has_german_and_english() -> None:
    bank = QuestionBank("s" * 40, 60)
    assert bank.languages() == {"de", "en"}
    assert len(bank.questions) >= 20


_ANSWERS = st.sampled_from(["7", "sieben", "Berlin", "weiß", "Rot", "zwanzig", "Montag", "eleven"])
_SPACE = st.text(alphabet=" \t\n\r\u00a0\u3000", max_size=5)


@given(_ANSWERS, _SPACE, _SPACE, st.lists(st.booleans(), min_size=20, max_size=20))
def test_right_answer_with_any_surrounding_whitespace_and_case_always_matches(
    answer: str, before: str, after: str, upper: list[bool]
) -> None:
    cased = "".join(
        char.upper() if flip else char.lower()
        for char, flip in zip(answer, upper, strict=False)
    )
    assert answer_matches(before + cased + after, [answer])


@given(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=4))
def test_answer_matching_never_raises(given_answer: str, accepted: list[str]) -> None:
    assert answer_matches(given_answer, accepted) in (True, False)
