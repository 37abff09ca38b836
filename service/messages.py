"""What commenters read, in German and English."""

from __future__ import annotations

from flask import current_app, request

__all__ = ["EXPLANATION", "FIELD_LABELS", "has_message", "message", "pick_language"]

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
    "challenge_required": {
        "de": "Bitte beantworten Sie noch kurz die Spamschutz-Frage, dann wird Ihr Beitrag "
        "gesendet.",
        "en": "Please answer the Spamschutz question, then your comment will be sent.",
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
    "challenge_attempts_exceeded": {
        "de": "Diese Spamschutz-Frage wurde zu oft falsch beantwortet. Bitte beantworten Sie "
        "die neue Frage.",
        "en": "This Spamschutz question was answered wrongly too often. Please answer the new "
        "question.",
    },
    "challenge_attempts_exceeded_address": {
        "de": "Von Ihrem Anschluss kamen zu viele falsche Antworten. Bitte warten Sie "
        "{minutes} Minuten und versuchen Sie es dann erneut.",
        "en": "Too many wrong answers came from your connection. Please wait {minutes} minutes "
        "and try again.",
    },
    # Problems with the request itself: what a reader (or the widget's developer) can fix.
    "invalid_json": {
        "de": "Die Anfrage konnte nicht gelesen werden: Sie muss ein JSON-Objekt sein.",
        "en": "The request could not be read: the body must be a JSON object.",
    },
    "json_too_deep": {
        "de": "Die Anfrage ist zu tief verschachtelt (höchstens {max_depth} Ebenen).",
        "en": "The JSON body is nested too deeply (at most {max_depth} levels).",
    },
    "invalid_encoding": {
        "de": "Die Anfrage ist nicht als UTF-8 kodiert. Bitte senden Sie den Text als UTF-8.",
        "en": "The request is not valid UTF-8. Please send the text encoded as UTF-8.",
    },
    "unsupported_media_type": {
        "de": "Bitte senden Sie JSON ('application/json') oder Formulardaten.",
        "en": "Send 'application/json' or form data.",
    },
    "body_too_large": {
        "de": "Die Anfrage ist zu groß. Bitte kürzen Sie Ihren Kommentar.",
        "en": "The request is too large. Please shorten your comment.",
    },
    "rate_limited": {
        "de": "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie {seconds} Sekunden und "
        "versuchen Sie es dann erneut.",
        "en": "Too many requests in a short time. Please wait {seconds} seconds and try again.",
    },
    "missing_field": {
        "de": "Bitte füllen Sie das Feld „{field}“ aus.",
        "en": "Please fill in the field '{field}'.",
    },
    "invalid_field": {
        "de": "Das Feld „{field}“ muss Text enthalten.",
        "en": "The field '{field}' must be text.",
    },
    "field_too_long": {
        "de": "Das Feld „{field}“ ist länger als {max_length} Zeichen. Bitte kürzen Sie es.",
        "en": "The field '{field}' is longer than {max_length} characters. Please shorten it.",
    },
    "invalid_characters": {
        "de": "Das Feld „{field}“ enthält unsichtbare Steuerzeichen. Bitte entfernen Sie sie "
        "oder tippen Sie den Text neu.",
        "en": "The field '{field}' contains invisible control characters. Please remove them "
        "or type the text again.",
    },
    "bidi_control": {
        "de": "Das Feld „{field}“ enthält Zeichen, die die Schreibrichtung umkehren. Bitte "
        "entfernen Sie sie oder tippen Sie den Text neu.",
        "en": "The field '{field}' contains characters that reverse the writing direction. "
        "Please remove them or type the text again.",
    },
    "word_too_long": {
        "de": "Ihr Kommentar enthält eine Zeichenfolge ohne Leerzeichen, die länger als "
        "{max_length} Zeichen ist. Bitte fügen Sie Leerzeichen ein oder kürzen Sie lange Links.",
        "en": "Your comment contains a run of more than {max_length} characters without a "
        "space. Please add spaces or shorten long links.",
    },
    "invalid_email": {
        "de": "Die E-Mail-Adresse ist ungültig. Bitte prüfen Sie sie oder lassen Sie das Feld "
        "leer.",
        "en": "The e-mail address is not valid. Please check it or leave the field empty.",
    },
    "invalid_url": {
        "de": "Die Website muss mit http:// oder https:// beginnen.",
        "en": "The website must start with http:// or https://.",
    },
    "invalid_idempotency_key": {
        "de": "Der Idempotency-Key muss 1 bis 128 sichtbare ASCII-Zeichen lang sein.",
        "en": "The Idempotency-Key must be 1 to 128 visible ASCII characters.",
    },
    "idempotency_key_reused": {
        "de": "Dieser Idempotency-Key gehört schon zu einem anderen Beitrag. Bitte senden Sie "
        "diesen Beitrag mit einem neuen Schlüssel.",
        "en": "This Idempotency-Key already belongs to a different comment. Please send this "
        "comment with a new key.",
    },
}

# How the fields of the comment form are called in messages to the person filling it in.
FIELD_LABELS = {
    "de": {
        "thread_id": "Diskussion",
        "author": "Name",
        "email": "E-Mail",
        "url": "Website",
        "text": "Kommentar",
        "challenge_token": "Spamschutz-Frage",
        "challenge_answer": "Antwort",
    },
    "en": {
        "thread_id": "discussion",
        "author": "name",
        "email": "e-mail",
        "url": "website",
        "text": "comment",
        "challenge_token": "Spamschutz question",
        "challenge_answer": "answer",
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


def message(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang`` (German when the language is not known).

    ``params`` fill the text's placeholders; ``field`` is given as the API's field name and
    shown as the label the reader sees on the form.
    """
    texts = _MESSAGES[key]
    text = texts.get(lang, texts["de"])
    if "field" in params:
        labels = FIELD_LABELS.get(lang, FIELD_LABELS["de"])
        params["field"] = labels.get(str(params["field"]), params["field"])
    return text.format(**params) if params else text


def has_message(key: str) -> bool:
    """True when ``key`` has a text here."""
    return key in _MESSAGES
