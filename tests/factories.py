"""Builders of test data: labelled comments, submissions."""

from __future__ import annotations

import itertools

from spamschutz.training.data import LabelledComment

__all__ = ["HAM_TEXTS", "SPAM_TEXTS", "labelled_comments", "submission"]

_HAM_OPENERS = [
    "Ich finde den Beschluss des Stadtrats richtig",
    "Der Artikel erklärt gut, warum die Mieten steigen",
    "Schade, dass die Buslinie 12 gestrichen wird",
    "Thanks for the report on the council meeting",
    "I disagree with the mayor about the bike lanes",
    "Good piece on the new school building",
    "Die Bundesliga-Analyse war sehr treffend",
    "The inflation numbers in this article look right to me",
]
_HAM_CLOSERS = [
    ", aber die Finanzierung bleibt unklar.",
    ". Wer zahlt am Ende dafür?",
    ", hoffentlich berichten Sie weiter darüber.",
    ", but the budget question is still open.",
    ". Who is going to pay for it in the end?",
    ", please keep reporting on this.",
]
_SPAM_OPENERS = [
    "Cheap viagra without prescription at",
    "Win big at the online casino, free spins at",
    "Earn 500 dollars a day from home, visit",
    "Bitcoin trading made me rich, contact my advisor at",
    "Günstige Kredite ohne Schufa sofort bei",
    "Potenzmittel rezeptfrei bestellen unter",
    "Hot singles in your area waiting at",
    "Nebenjob von zu Hause 300 Euro am Tag auf",
]
_SPAM_CLOSERS = [
    " http://cheap-pills.example.ru now!!!",
    " www.best-casino-bonus.xyz",
    " https://easy-money.example.info/join",
    " https://krypto-gewinn.example.biz",
]

HAM_TEXTS = [a + b for a, b in itertools.product(_HAM_OPENERS, _HAM_CLOSERS)]
SPAM_TEXTS = [a + b for a, b in itertools.product(_SPAM_OPENERS, _SPAM_CLOSERS)]


def labelled_comments() -> list[LabelledComment]:
    """A small, clearly separable training set (48 ham, 32 spam); the author's website is
    given for some of each, so the text, not the metadata, has to separate them."""
    return [
        LabelledComment(text=t, label=0, url="https://blog.example.org" if i % 4 == 0 else "")
        for i, t in enumerate(HAM_TEXTS)
    ] + [
        LabelledComment(text=t, label=1, url="http://spam.example.com" if i % 4 == 0 else "")
        for i, t in enumerate(SPAM_TEXTS)
    ]


def submission(challenge: dict[str, object], answer: str, **fields: object) -> dict[str, object]:
    """A comment-form submission answering ``challenge`` with ``answer``."""
    body: dict[str, object] = {
        "thread_id": "artikel-42",
        "author": "Erika Musterfrau",
        "text": "Ich finde den Artikel sehr ausgewogen, danke für die Recherche.",
        "challenge_token": challenge["token"],
        "challenge_answer": answer,
    }
    body.update(fields)
    return body
