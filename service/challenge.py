"""Challenge questions: the question bank, signed single-use tokens, forgiving answer matching.

A token carries the question's id, a random nonce and its issue time (a float, so the time a
reader took is known to the millisecond), signed with the installation's secret. A question
that replaces a wrongly answered one also carries the time the form's first question was
issued: how long a reader took is measured from there, so a wrong answer followed quickly by
the right one is not a bot's speed. The server
keeps no state until a token is answered: wrong answers are counted and redemption is recorded
by :mod:`service.challenge_guard`, which makes the token single-use across every instance.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "ChallengeError",
    "IssuedChallenge",
    "OpenedChallenge",
    "Question",
    "QuestionBank",
    "VerifiedChallenge",
    "answer_matches",
    "check_answer",
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
class OpenedChallenge:
    """A token with a valid signature, not expired, for a question of the bank.

    ``form_started_at`` is when the form's first question was issued (seconds since the
    epoch); ``seconds_on_form`` the time since then.
    """

    token_id: str
    question: Question
    seconds_since_issue: float
    form_started_at: float
    seconds_on_form: float


@dataclass(frozen=True)
class VerifiedChallenge:
    """A correctly answered challenge, not yet redeemed; ``seconds_on_form`` is the time
    since the form's first question."""

    token_id: str
    question: Question
    seconds_on_form: float


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
    """The site's questions and the signer for their tokens.

    ``clock`` returns the time in seconds since the epoch; injectable so that tests can let a
    token expire without waiting.
    """

    def __init__(
        self,
        secret_key: str,
        ttl_seconds: int,
        path: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.questions = _load_questions(path)
        self.by_id = {question.id: question for question in self.questions}
        self.ttl_seconds = ttl_seconds
        self._serializer = URLSafeTimedSerializer(secret_key, salt="spamschutz.challenge")
        self._random = random.SystemRandom()
        self._clock = clock

    def languages(self) -> set[str]:
        """Languages the bank has questions for."""
        return {question.lang for question in self.questions}

    def issue(self, lang: str, form_started_at: float | None = None) -> IssuedChallenge:
        """A random question in ``lang`` (any language if the bank has none in it).

        ``form_started_at``: when the form's first question was issued, for a question that
        replaces a wrongly answered one (see the module docstring).
        """
        pool = [q for q in self.questions if q.lang == lang] or self.questions
        question = self._random.choice(pool)
        now = round(self._clock(), 3)
        payload: dict[str, object] = {"q": question.id, "n": secrets.token_urlsafe(12), "t": now}
        if form_started_at is not None and form_started_at < now:
            payload["f"] = round(form_started_at, 3)
        token = self._serializer.dumps(payload)
        return IssuedChallenge(token=token, question=question, expires_in=self.ttl_seconds)

    def open(self, token: str) -> OpenedChallenge:
        """Check ``token``'s signature, age and question; :class:`ChallengeError` if unusable.

        Refusals have distinct codes: ``challenge_missing``, ``challenge_invalid`` (tampered,
        or signed by another installation), ``challenge_expired``, ``challenge_unknown``.
        """
        if not token:
            raise ChallengeError("challenge_missing", "Please answer the Spamschutz question.")
        try:
            payload, signed_at = self._serializer.loads(token, return_timestamp=True)
        except BadSignature as error:
            raise ChallengeError(
                "challenge_invalid", "The question token is not valid. Please answer the new one."
            ) from error
        if not isinstance(payload, dict) or not payload.get("n"):
            raise ChallengeError("challenge_invalid", "The question token is not valid.")
        issued_at = payload.get("t")
        if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
            issued_at = signed_at.timestamp()  # a token from before issue times were signed
        # Clocks of several instances may differ a little; a token is never younger than 0 s.
        age = max(0.0, self._clock() - float(issued_at))
        if age > self.ttl_seconds:
            raise ChallengeError(
                "challenge_expired", "The question has expired. Please answer the new question."
            )
        question_id = payload.get("q")
        question = self.by_id.get(question_id) if isinstance(question_id, str) else None
        if question is None:
            raise ChallengeError(
                "challenge_unknown", "This question is not known here. Please answer the new one."
            )
        started = payload.get("f")
        if not isinstance(started, int | float) or isinstance(started, bool) or started > issued_at:
            started = issued_at
        on_form = max(0.0, self._clock() - float(started))
        # The signed nonce, not the token string: a re-encoded token must not count as new.
        return OpenedChallenge(str(payload["n"]), question, age, float(started), on_form)

    def verify(self, token: str, answer: str) -> VerifiedChallenge:
        """Check ``token`` and ``answer``; raise :class:`ChallengeError` with a distinct code."""
        opened = self.open(token)
        check_answer(opened, answer)
        return VerifiedChallenge(opened.token_id, opened.question, opened.seconds_on_form)


def check_answer(opened: OpenedChallenge, answer: str) -> None:
    """Raise ``challenge_wrong`` unless ``answer`` answers the token's own question.

    The question comes from the signed token, so an answer only counts for the question that
    was asked: a bot cannot pick the question it likes best.
    """
    if not answer_matches(answer or "", opened.question.answers):
        raise ChallengeError(
            "challenge_wrong", "The answer to the Spamschutz question is not right."
        )
