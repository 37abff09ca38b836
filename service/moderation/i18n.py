"""The desk's words in German (the default) and English, and the moderator's choice of language.

The choice lives in its own cookie, not in the session: it must survive logout and login
(which start new sessions) and be there on the login page already.
"""

from __future__ import annotations

from flask import g, request

__all__ = [
    "DESK_LANGUAGES",
    "LANG_COOKIE",
    "TEXT",
    "desk_language",
    "format_percent",
    "translate",
]

DESK_LANGUAGES = ("de", "en")
LANG_COOKIE = "spamschutz_desk_lang"

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "desk": "Moderation", "logged_in_as": "Angemeldet als", "logout": "Abmelden",
        "queue.pending": "Zu prüfen", "queue.spam": "Spam-Ordner", "queue.approved": "Freigegeben",
        "queue.rejected": "Abgelehnt", "queues": "Warteschlangen",
        "sort": "Sortierung", "sort.age": "Älteste zuerst",
        "sort.score": "Höchster Spam-Wert zuerst", "sort.uncertainty": "Unsicherste zuerst",
        "action.approve": "Freigeben", "action.reject": "Ablehnen", "action.spam": "Spam",
        "action.ham": "Kein Spam", "action.undo": "Rückgängig",
        "done.approve": "freigegeben", "done.reject": "abgelehnt",
        "done.spam": "als Spam markiert", "done.ham": "als „Kein Spam“ freigegeben",
        "done.undo": "wieder in „{queue}“",
        "flash.decided": "Beitrag von {author} {done}.",
        "flash.bulk": "{count} Beiträge {done}.",
        "flash.bulk_none": "Bitte wählen Sie zuerst Beiträge aus.",
        "flash.conflict": "Jemand anderes hat diesen Beitrag inzwischen bearbeitet. "
                          "Bitte prüfen Sie ihn noch einmal.",
        "flash.undo_conflict": "Diese Entscheidung kann nicht mehr rückgängig gemacht werden.",
        "flash.bad_cursor": "Dieser Seitenverweis ist ungültig; hier ist die erste Seite.",
        "flash.logged_out": "Sie sind abgemeldet.",
        "health": "Stand der Prüfung", "health.oldest": "Ältester offener Beitrag wartet seit",
        "health.promise": "Zusage: {hours} Std.", "health.of": "{age} von {hours} Std.",
        "health.overdue": "{count} überfällig", "health.overdue_hint": "(älter als {hours} Std.)",
        "health.none_overdue": "Keine überfälligen Beiträge.",
        "health.due_soon": "{count} in den nächsten 2 Std. fällig",
        "health.empty": "Keine Beiträge warten auf Prüfung.",
        "filters": "Filter und Suche", "filter.search": "Suche im Text",
        "filter.thread": "Thread", "filter.lang": "Sprache", "filter.any": "alle",
        "filter.min": "Spam-Wert ab (%)", "filter.max": "Spam-Wert bis (%)",
        "filter.reason": "Grund enthält", "filter.apply": "Anwenden",
        "filter.reset": "Zurücksetzen",
        "badge.title": "Spam-Wahrscheinlichkeit laut Modell", "badge.sr": "Spam-Wert:",
        "badge.none": "ohne Bewertung", "band.ham": "unbedenklich", "band.unsure": "unsicher",
        "band.spam": "Spam", "band.none": "keine Einschätzung", "overdue": "überfällig",
        "thread": "Thread", "ago": "vor {age}", "decided_by": "entschieden von {name}",
        "why": "Warum?", "reasons": "Gründe", "signals": "Signale",
        "signal.honeypot": "Honeypot ausgefüllt", "signal.seconds": "Zeit bis zum Absenden",
        "signal.too_fast": "Zu schnell", "signal.challenge": "Spamschutz-Frage",
        "signal.verdict": "Regeln", "yes": "ja", "no": "nein", "unknown": "unbekannt",
        "history": "Frühere Beiträge dieser Person", "history.none": "Keine früheren Beiträge.",
        "history.email": "gleiche E-Mail", "history.ip": "gleicher Anschluss",
        "audit": "Verlauf", "audit.entry": "{when}: {action} durch {who}",
        "select": "Auswählen", "bulk": "Ausgewählte", "bulk.apply": "Auf Auswahl anwenden",
        "bulk.select_all": "Alle auf dieser Seite auswählen",
        "empty": "In „{queue}“ liegen keine Beiträge.", "empty_page": "Auf dieser Seite liegen "
                 "keine Beiträge.",
        "first_page": "Erste Seite", "next_page": "Nächste Seite", "pages": "Seiten",
        "keys": "Tastenkürzel", "keys.hint": "Tastenkürzel: ? drücken",
        "key.j": "nächster Beitrag", "key.k": "vorheriger Beitrag", "key.a": "freigeben",
        "key.r": "ablehnen", "key.s": "als Spam markieren", "key.h": "kein Spam",
        "key.x": "auswählen", "key.u": "rückgängig", "key.q": "diese Hilfe", "close": "Schließen",
        "dashboard": "Übersicht", "dash.decisions": "Entscheidungen pro Tag",
        "dash.queue": "Offene Beiträge am Tagesende", "dash.day": "Tag", "dash.count": "Anzahl",
        "dash.overruled": "Wo die Redaktion dem Modell widersprach (letzte {days} Tage)",
        "dash.false_positives": "Aus dem Spam-Ordner freigegeben (Fehlalarme)",
        "dash.misses": "Als Spam markiert, obwohl das Modell sie für unbedenklich hielt "
                       "(übersehen)",
        "dash.model": "Aktives Modell", "dash.no_model": "kein aktives Modell",
        "dash.total": "Entscheidungen in {days} Tagen: {count}",
        "dash.drift": "Score-Verteilung: neue Beiträge und Trainingsdaten",
        "drift.stable": "Die Beiträge der letzten {days} Tage erhalten ähnliche Scores wie die "
                        "Trainingsdaten.",
        "drift.moderate": "Die Scores der letzten {days} Tage weichen etwas von den "
                          "Trainingsdaten ab. Im Auge behalten.",
        "drift.major": "Achtung: Die Beiträge der letzten {days} Tage erhalten deutlich andere "
                       "Scores als die Trainingsdaten. Die Art der Beiträge oder der Spam-Anteil "
                       "hat sich verändert, die Schwellen des Modells passen womöglich nicht "
                       "mehr. Prüfen Sie den Spam-Ordner und trainieren Sie das Modell mit den "
                       "Entscheidungen der Redaktion neu (spamschutz retrain).",
        "drift.too_few": "Zu wenige Beiträge für einen Vergleich: {count} in {days} Tagen, "
                         "nötig sind {needed}.",
        "drift.no_reference": "Für dieses Modell ist keine Score-Verteilung der Trainingsdaten "
                              "gespeichert. Nach dem nächsten Training erscheint der Vergleich "
                              "hier.",
        "drift.figures": "Stabilitätsindex (PSI) {psi} · KS-Abstand {ks} · {count} Beiträge der "
                         "letzten {days} Tage (ab 0,25 eine deutliche Verschiebung)",
        "drift.range": "Score-Bereich", "drift.training": "Trainingsdaten",
        "drift.recent": "Letzte {days} Tage",
        "dash.agreement": "Übereinstimmung mit der Redaktion pro Woche",
        "agree.hint": "Beiträge, über die die Redaktion entschieden hat, nach dem Modell, das "
                      "sie bewertet hat. Widersprochen: aus dem Spam-Ordner freigegeben "
                      "(Fehlalarm) oder als Spam markiert, obwohl als unbedenklich bewertet "
                      "(übersehen).",
        "agree.week": "Woche ab", "agree.version": "Modell", "agree.moderated": "Entschieden",
        "agree.false_positives": "Fehlalarme", "agree.misses": "Übersehen",
        "agree.overruled": "Widersprochen",
        "agree.none": "Noch keine Entscheidungen über vom Modell bewertete Beiträge.",
        "dash.versions": "Modellversionen", "versions.status": "Status",
        "versions.created": "Erstellt", "versions.report": "Bericht",
        "versions.open_report": "Trainingsbericht",
        "versions.open_evaluation": "Letzte Evaluierung", "versions.active": "aktiv",
        "versions.candidate": "Kandidat", "versions.retired": "außer Dienst",
        "login": "Anmelden", "login.intro": "Die Moderation ist nur für die Redaktion zugänglich.",
        "login.name": "Name", "login.password": "Passwort",
        "lang.switch": "English", "lang.label": "Sprache",
        "undo.toast": "{author}: {done}.", "skip": "Zum Inhalt",
    },
    "en": {
        "desk": "Moderation", "logged_in_as": "Signed in as", "logout": "Sign out",
        "queue.pending": "To review", "queue.spam": "Spam folder", "queue.approved": "Approved",
        "queue.rejected": "Rejected", "queues": "Queues",
        "sort": "Sort", "sort.age": "Oldest first", "sort.score": "Most spam-like first",
        "sort.uncertainty": "Most uncertain first",
        "action.approve": "Approve", "action.reject": "Reject", "action.spam": "Spam",
        "action.ham": "Not spam", "action.undo": "Undo",
        "done.approve": "approved", "done.reject": "rejected", "done.spam": "marked as spam",
        "done.ham": "published as not spam", "done.undo": "back in “{queue}”",
        "flash.decided": "Comment by {author} {done}.",
        "flash.bulk": "{count} comments {done}.",
        "flash.bulk_none": "Please select comments first.",
        "flash.conflict": "Someone else changed this comment meanwhile. Please check it again.",
        "flash.undo_conflict": "This decision can no longer be undone.",
        "flash.bad_cursor": "This page link is not valid; here is the first page.",
        "flash.logged_out": "You are signed out.",
        "health": "Review status", "health.oldest": "Oldest open comment has waited",
        "health.promise": "Promise: {hours} h", "health.of": "{age} of {hours} h",
        "health.overdue": "{count} overdue", "health.overdue_hint": "(older than {hours} h)",
        "health.none_overdue": "Nothing overdue.",
        "health.due_soon": "{count} due within 2 h",
        "health.empty": "No comments wait for review.",
        "filters": "Filter and search", "filter.search": "Search text",
        "filter.thread": "Thread", "filter.lang": "Language", "filter.any": "any",
        "filter.min": "Spam score from (%)", "filter.max": "Spam score to (%)",
        "filter.reason": "Reason contains", "filter.apply": "Apply", "filter.reset": "Reset",
        "badge.title": "Spam probability according to the model", "badge.sr": "Spam score:",
        "badge.none": "not scored", "band.ham": "harmless", "band.unsure": "unsure",
        "band.spam": "spam", "band.none": "no estimate", "overdue": "overdue",
        "thread": "Thread", "ago": "{age} ago", "decided_by": "decided by {name}",
        "why": "Why?", "reasons": "Reasons", "signals": "Signals",
        "signal.honeypot": "Honeypot filled", "signal.seconds": "Time to submit",
        "signal.too_fast": "Too fast", "signal.challenge": "Spam question",
        "signal.verdict": "Rules", "yes": "yes", "no": "no", "unknown": "unknown",
        "history": "Earlier comments by this person", "history.none": "No earlier comments.",
        "history.email": "same e-mail", "history.ip": "same connection",
        "audit": "History", "audit.entry": "{when}: {action} by {who}",
        "select": "Select", "bulk": "Selected", "bulk.apply": "Apply to selection",
        "bulk.select_all": "Select all on this page",
        "empty": "“{queue}” holds no comments.", "empty_page": "No comments on this page.",
        "first_page": "First page", "next_page": "Next page", "pages": "Pages",
        "keys": "Keyboard shortcuts", "keys.hint": "Keyboard shortcuts: press ?",
        "key.j": "next comment", "key.k": "previous comment", "key.a": "approve",
        "key.r": "reject", "key.s": "mark as spam", "key.h": "not spam", "key.x": "select",
        "key.u": "undo", "key.q": "this help", "close": "Close",
        "dashboard": "Dashboard", "dash.decisions": "Decisions per day",
        "dash.queue": "Open comments at the end of the day", "dash.day": "Day",
        "dash.count": "Count",
        "dash.overruled": "Where moderators overruled the model (last {days} days)",
        "dash.false_positives": "Approved from the spam folder (false positives)",
        "dash.misses": "Marked as spam although the model scored them harmless (misses)",
        "dash.model": "Active model", "dash.no_model": "no active model",
        "dash.total": "Decisions in {days} days: {count}",
        "dash.drift": "Score distribution: recent comments and the training data",
        "drift.stable": "The comments of the last {days} days get scores like the training "
                        "data's.",
        "drift.moderate": "The scores of the last {days} days differ somewhat from the training "
                          "data's. Keep an eye on it.",
        "drift.major": "Warning: the comments of the last {days} days get clearly different "
                       "scores than the training data. The kind of comments or the share of "
                       "spam has changed, and the model's thresholds may no longer fit. Check "
                       "the spam folder and retrain the model on the moderators' decisions "
                       "(spamschutz retrain).",
        "drift.too_few": "Too few comments to compare: {count} in {days} days, {needed} are "
                         "needed.",
        "drift.no_reference": "No score distribution of the training data is stored for this "
                              "model. The comparison appears here after the next training.",
        "drift.figures": "Population stability index (PSI) {psi} · KS distance {ks} · {count} "
                         "comments of the last {days} days (0.25 or more is a major shift)",
        "drift.range": "Score range", "drift.training": "Training data",
        "drift.recent": "Last {days} days",
        "dash.agreement": "Agreement with the moderators per week",
        "agree.hint": "Comments the moderators decided, by the model that scored them. "
                      "Overruled: published from the spam folder (false positive) or marked "
                      "as spam although scored harmless (miss).",
        "agree.week": "Week of", "agree.version": "Model", "agree.moderated": "Decided",
        "agree.false_positives": "False positives", "agree.misses": "Misses",
        "agree.overruled": "Overruled",
        "agree.none": "No decisions on comments the model scored yet.",
        "dash.versions": "Model versions", "versions.status": "Status",
        "versions.created": "Created", "versions.report": "Report",
        "versions.open_report": "Training report",
        "versions.open_evaluation": "Latest evaluation", "versions.active": "active",
        "versions.candidate": "candidate", "versions.retired": "retired",
        "login": "Sign in", "login.intro": "The moderation desk is for the editors only.",
        "login.name": "Name", "login.password": "Password",
        "lang.switch": "Deutsch", "lang.label": "Language",
        "undo.toast": "{author}: {done}.", "skip": "Skip to content",
    },
}


def desk_language() -> str:
    """The moderator's chosen language (cookie), German unless English was chosen."""
    if "desk_lang" not in g:
        chosen = request.cookies.get(LANG_COOKIE)
        g.desk_lang = chosen if chosen in DESK_LANGUAGES else "de"
    return g.desk_lang


def translate(key: str, lang: str | None = None, **params: object) -> str:
    """The desk text ``key`` in ``lang`` (default: the moderator's), placeholders filled."""
    texts = TEXT[lang or desk_language()]
    text = texts.get(key) or TEXT["de"][key]
    return text.format(**params) if params else text


def format_percent(share: float, lang: str | None = None) -> str:
    """``share`` (0 to 1) as a percentage with one decimal, German style unless English:
    ``0.667`` is "66,7 %" or "66.7 %"."""
    text = f"{100 * share:.1f} %"
    return text if (lang or desk_language()) == "en" else text.replace(".", ",")
