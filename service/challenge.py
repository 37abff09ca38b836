"""Challenge questions: generated and the site's own, signed single-use tokens, forgiving answers.

Questions come from :mod:`spamschutz.service.question_space` (some ten thousand per language) and,
when ``QUESTIONS`` names a file, from the site's own list. A token carries a random nonce, its issue
time (a float, so the time a reader took is known to the millisecond) and keyed digests of the
accepted answers, signed with the installation's secret. It names no question: a table from
tokens to answers is impossible, and the digests need the secret to be checked. A question
that replaces a wrongly answered one also carries the time the form's first question was
issued: how long a reader took is measured from there, so a wrong answer followed quickly by
the right one is not a bot's speed. The server keeps no state until a token is answered: wrong
answers are counted and redemption is recorded by :mod:`spamschutz.service.challenge_guard`, which
makes the token single-use across every instance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from spamschutz.service.question_space import (
    LANGUAGES,
    Question,
    every_generated_question,
    generate_question,
)

__all__ = [
    "ChallengeError",
    "IssuedChallenge",
    "OpenedChallenge",
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
    joined = "".join(words)
    # Pieces may join into a number word ("te-n"): mapped too, so normalising is idempotent.
    return _NUMBER_WORDS.get(joined, joined)


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
class IssuedChallenge:
    """A question and the token that must come back with its answer."""

    token: str
    question: Question
    expires_in: int


@dataclass(frozen=True)
class OpenedChallenge:
    """A token with a valid signature, not expired; ``answers`` are its keyed digests.

    ``form_started_at`` is when the form's first question was issued (seconds since the
    epoch); ``seconds_on_form`` the time since then.
    """

    token_id: str
    seconds_since_issue: float
    answers: tuple[str, ...]
    form_started_at: float
    seconds_on_form: float


@dataclass(frozen=True)
class VerifiedChallenge:
    """A correctly answered challenge, not yet redeemed; ``seconds_on_form`` is the time
    since the form's first question."""

    token_id: str
    seconds_on_form: float


def _load_questions(path: str) -> list[Question]:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise ValueError("the question file must be a non-empty JSON list")
    questions = []
    for number, entry in enumerate(entries, start=1):
        try:
            lang, text, answers = entry["lang"], entry["question"], entry["answers"]
        except (KeyError, TypeError) as error:
            raise ValueError(f"question {number} needs 'lang', 'question' and 'answers'") from error
        if not (isinstance(answers, list) and answers and all(isinstance(a, str) for a in answers)):
            raise ValueError(f"question {number}: 'answers' must be a non-empty list of strings")
        questions.append(Question(str(lang), str(text), tuple(answers)))
    return questions


# Digests per token: every token carries a multiple of this many, real ones among random ones,
# so their number tells nothing about the question either.
_DIGEST_SLOTS = 4
_DIGEST_BYTES = 16


class QuestionBank:
    """Where questions come from, and the signer of their tokens.

    ``own_share`` is the part of the questions drawn from the site's own file (when ``path``
    names one); the rest are generated. ``clock`` returns the time in seconds since the
    epoch; ``clock`` and ``rng`` (the draw of questions) are injectable for tests.
    """

    def __init__(
        self,
        secret_key: str,
        ttl_seconds: int,
        path: str | None = None,
        clock: Callable[[], float] = time.time,
        own_share: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        self.own_questions = _load_questions(path) if path else []
        self.own_share = own_share if self.own_questions else 0.0
        self.ttl_seconds = ttl_seconds
        self._serializer = URLSafeTimedSerializer(secret_key, salt="spamschutz.challenge")
        self._answer_key = hmac.new(
            secret_key.encode(), b"spamschutz.challenge.answers", hashlib.sha256
        ).digest()
        self._random = rng or random.SystemRandom()
        self._clock = clock

    def languages(self) -> set[str]:
        """Languages questions are asked in."""
        return set(LANGUAGES) | {question.lang for question in self.own_questions}

    def every_question(self, lang: str | None = None) -> Iterator[Question]:
        """Every question the bank can ask (in ``lang``): the generated ones, then the own."""
        for language in sorted(self.languages()) if lang is None else [lang]:
            if language in LANGUAGES:
                yield from every_generated_question(language)
            yield from (q for q in self.own_questions if q.lang == language)

    def _question(self, lang: str) -> Question:
        if self.own_share and self._random.random() < self.own_share:
            own = [q for q in self.own_questions if q.lang == lang] or self.own_questions
            return self._random.choice(own)
        return generate_question(lang, self._random)

    def _digest(self, nonce: str, answer: str) -> str:
        digest = hmac.new(
            self._answer_key, f"{nonce}\n{normalise_answer(answer)}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest[:_DIGEST_BYTES]).decode().rstrip("=")

    def issue(self, lang: str, form_started_at: float | None = None) -> IssuedChallenge:
        """A question in ``lang`` (generated in German if nothing is asked in ``lang``).

        ``form_started_at``: when the form's first question was issued, for a question that
        replaces a wrongly answered one (see the module docstring).
        """
        question = self._question(lang)
        nonce = secrets.token_urlsafe(12)
        digests = list(dict.fromkeys(self._digest(nonce, answer) for answer in question.answers))
        while len(digests) % _DIGEST_SLOTS:
            digests.append(self._digest(nonce, secrets.token_hex(8)))
        self._random.shuffle(digests)
        now = round(self._clock(), 3)
        payload: dict[str, object] = {"n": nonce, "t": now, "a": digests}
        if form_started_at is not None and form_started_at < now:
            payload["f"] = round(form_started_at, 3)
        token = self._serializer.dumps(payload)
        return IssuedChallenge(token=token, question=question, expires_in=self.ttl_seconds)

    def open(self, token: str) -> OpenedChallenge:
        """Check ``token``'s signature and age; :class:`ChallengeError` if it is unusable.

        Refusals have distinct codes: ``challenge_missing``, ``challenge_invalid`` (tampered,
        or signed by another installation), ``challenge_expired``, ``challenge_unknown`` (a
        token of an older version, which named its question).
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
        digests = payload.get("a")
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
            raise ChallengeError(
                "challenge_unknown", "This question is not known here. Please answer the new one."
            )
        started = payload.get("f")
        if not isinstance(started, int | float) or isinstance(started, bool) or started > issued_at:
            started = issued_at
        on_form = max(0.0, self._clock() - float(started))
        # The signed nonce, not the token string: a re-encoded token must not count as new.
        return OpenedChallenge(str(payload["n"]), age, tuple(digests), float(started), on_form)

    def check_answer(self, opened: OpenedChallenge, answer: str) -> None:
        """Raise ``challenge_wrong`` unless ``answer`` answers the token's own question.

        The accepted answers are in the signed token, so an answer only counts for the
        question that was asked: a bot cannot pick the question it likes best.
        """
        given = self._digest(opened.token_id, answer or "")
        right = normalise_answer(answer or "") and any(
            hmac.compare_digest(given, digest) for digest in opened.answers
        )
        if not right:
            raise ChallengeError(
                "challenge_wrong", "The answer to the Spamschutz question is not right."
            )

    def verify(self, token: str, answer: str) -> VerifiedChallenge:
        """Check ``token`` and ``answer``; raise :class:`ChallengeError` with a distinct code."""
        opened = self.open(token)
        self.check_answer(opened, answer)
        return VerifiedChallenge(opened.token_id, opened.seconds_on_form)
