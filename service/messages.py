"""What commenters read, in German and English."""

from __future__ import annotations

from flask import current_app, request

__all__ = ["EXPLANATION", "message", "pick_language"]

_MESSAGES = {
    "received": {
        "de": "Vielen Dank! Ihr Beitrag wird von der Redaktion geprüft und innerhalb der "
        "nächsten 24 Stunden freigeschaltet.",
        "en": "Thank you! Your comment will be reviewed by the editors and published within "
        "the next 24 hours.",
    },
    "challenge_missing": {
        "de": "Bitte beantworten Sie die Spamschutz-Frage.",
        "en": "Please answer the Spamschutz question.",
    },
    "challenge_wrong": {
        "de": "Die Antwort auf die Spamschutz-Frage stimmt leider nicht. Bitte beantworten Sie "
        "die neue Frage.",
        "en": "The answer to the Spamschutz question is not right. Please answer the new question.",
    },
    "challenge_expired": {
        "de": "Die Spamschutz-Frage ist abgelaufen. Bitte beantworten Sie die neue Frage.",
        "en": "The Spamschutz question has expired. Please answer the new question.",
    },
    "challenge_used": {
        "de": "Diese Spamschutz-Frage wurde bereits verwendet. Bitte beantworten Sie die neue "
        "Frage.",
        "en": "This Spamschutz question was already used. Please answer the new question.",
    },
    "challenge_invalid": {
        "de": "Die Spamschutz-Frage ist ungültig. Bitte beantworten Sie die neue Frage.",
        "en": "The Spamschutz question is not valid. Please answer the new question.",
    },
    "challenge_unknown": {
        "de": "Diese Spamschutz-Frage kennen wir nicht. Bitte beantworten Sie die neue Frage.",
        "en": "This Spamschutz question is not known here. Please answer the new question.",
    },
}

EXPLANATION = {
    "de": "Spamschutz: Um zu verhindern, dass hier Roboter Formulare ausfüllen, bitten wir Sie, "
    "die folgende Frage zu beantworten.",
    "en": "Spam protection: to keep robots from filling in forms here, please answer the "
    "following question.",
}


def pick_language(explicit: object = None) -> str:
    """``de`` or ``en``: the one asked for, else the browser's preference, else the default."""
    if explicit in ("de", "en"):
        return str(explicit)
    best = request.accept_languages.best_match(["de", "en"]) if request else None
    return best or str(current_app.config["DEFAULT_LANG"])


def message(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (German when the language is not known)."""
    texts = _MESSAGES[key]
    return texts.get(lang, texts["de"])
