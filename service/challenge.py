"""Challenge questions: the question bank, signed single-use tokens, forgiving answer matching.

A token carries the question's id and a random nonce, signed and timestamped with the
installation's secret. The server keeps no state until a token is redeemed; redemption writes
the nonce once (a unique row), which makes the token single-use across every instance.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = [
    "ChallengeError",
    "IssuedChallenge",
    "Question",
    "QuestionBank",
    "VerifiedChallenge",
    "answer_matches",
    "normalise_answer",
]

_NUMBER_WORDS = {
    word: str(number)
    for number, words in enumerate(
        [
            "null zero",
            "eins ein eine one",
            "zwei two",
            "drei three",
            "vier four",
            "fuenf five",
            "sechs six",
            "sieben seven",
            "acht eight",
            "neun nine",
            "zehn ten",
            "elf eleven",
            "zwoelf twelve",
            "dreizehn thirteen",
            "vierzehn fourteen",
            "fuenfzehn fifteen",
            "sechzehn sixteen",
            "siebzehn siebzehn seventeen",
            "achtzehn eighteen",
            "neunzehn nineteen",
            "zwanzig twenty",
        ]
    )
    for word in words.split()
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_answer(answer: str) -> str:
    """Canonical answer: case, spaces, punctuation, umlaut spelling and number words ignored."""
    text = unicodedata.normalize("NFKC", answer).casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    words = [_NUMBER_WORDS.get(word, word) for word in _NOT_ALNUM.split(text) if word]
    return "".join(words)


def answer_matches(given: str, accepted: list[str] | tuple[str, ...]) -> bool:
    """True when ``given`` is one of the ``accepted`` answers, compared forgivingly."""
    wanted = normalise_answer(given)
    return bool(wanted) and any(wanted == normalise_answer(answer) for answer in accepted)


class ChallengeError(Exception):
    """A challenge was not passed; ``code`` says why (stable, for clients)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Question:
    """One question of the bank."""

    id: str
    lang: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class IssuedChallenge:
    """A question and the token that must come back with its answer."""

    token: str
    question: Question
    expires_in: int


@dataclass(frozen=True)
class VerifiedChallenge:
    """A correctly answered challenge, not yet redeemed."""

    token_id: str
    question: Question
    seconds_since_issue: float


def _question_id(lang: str, question: str) -> str:
    return hashlib.sha256(f"{lang}\n{question}".encode()).hexdigest()[:16]


def _load_questions(path: str | None) -> list[Question]:
    if path:
        raw = Path(path).read_text(encoding="utf-8")
    else:
        raw = resources.files("service").joinpath("questions/default.json").read_text("utf-8")
    entries = json.loads(raw)
    if not isinstance(entries, list) or not entries:
        raise ValueError("the question bank must be a non-empty JSON list")
    questions = []
    for number, entry in enumerate(entries, start=1):
        try:
            lang, text, answers = entry["lang"], entry["question"], entry["answers"]
        except (KeyError, TypeError) as error:
            raise ValueError(f"question {number} needs 'lang', 'question' and 'answers'") from error
        if not (isinstance(answers, list) and answers and all(isinstance(a, str) for a in answers)):
            raise ValueError(f"question {number}: 'answers' must be a non-empty list of strings")
        questions.append(Question(_question_id(lang, text), str(lang), str(text), tuple(answers)))
    return questions


class QuestionBank:
    """The site's questions and the signer for their tokens."""

    def __init__(self, secret_key: str, ttl_seconds: int, path: str | None = None) -> None:
        self.questions = _load_questions(path)
        self.by_id = {question.id: question for question in self.questions}
        self.ttl_seconds = ttl_seconds
        self._serializer = URLSafeTimedSerializer(secret_key, salt="spamschutz.challenge")
        self._random = random.SystemRandom()

    def languages(self) -> set[str]:
        """Languages the bank has questions for."""
        return {question.lang for question in self.questions}

    def issue(self, lang: str) -> IssuedChallenge:
        """A random question in ``lang`` (any language if the bank has none in it)."""
        pool = [q for q in self.questions if q.lang == lang] or self.questions
        question = self._random.choice(pool)
        token = self._serializer.dumps({"q": question.id, "n": secrets.token_urlsafe(12)})
        return IssuedChallenge(token=token, question=question, expires_in=self.ttl_seconds)

    def verify(self, token: str, answer: str) -> VerifiedChallenge:
        """Check ``token`` and ``answer``; raise :class:`ChallengeError` with a distinct code."""
        if not token:
            raise ChallengeError("challenge_missing", "Please answer the Spamschutz question.")
        try:
            payload, issued_at = self._serializer.loads(
                token, max_age=self.ttl_seconds, return_timestamp=True
            )
        except SignatureExpired as error:
            raise ChallengeError(
                "challenge_expired", "The question has expired. Please answer the new question."
            ) from error
        except BadSignature as error:
            raise ChallengeError(
                "challenge_invalid", "The question token is not valid. Please answer the new one."
            ) from error
        question = self.by_id.get(payload.get("q")) if isinstance(payload, dict) else None
        if question is None:
            raise ChallengeError(
                "challenge_unknown", "This question is not known here. Please answer the new one."
            )
        if not answer_matches(answer or "", question.answers):
            raise ChallengeError(
                "challenge_wrong", "The answer to the Spamschutz question is not right."
            )
        # The signed nonce, not the token string: a re-encoded token must not count as new.
        token_id = str(payload.get("n") or "")
        if not token_id:
            raise ChallengeError("challenge_invalid", "The question token is not valid.")
        age = max(0.0, time.time() - issued_at.timestamp())
        return VerifiedChallenge(token_id=token_id, question=question, seconds_since_issue=age)
