"""Behaviour a moderator relies on, checked on the model a fresh install has (CheckList style).

Invariance: line endings, a website in the optional form field and a link to a reference site
must not flip a reader's comment. Direction: a pharma link raises a score; every kind of scam
German sites get lands at least in "unsure". The reader comments are real (derStandard.at,
evaluation only, read in place) where the public datasets are present, and written here besides.
"""

from __future__ import annotations

import random

import pytest

from spamschutz.model import SpamModel, explain
from spamschutz.model.explain import FUNCTION_WORDS
from spamschutz.model.features import META_FEATURES, MetaFeatures, prepare_comment
from spamschutz.model.text import PHONE_MARKER
from spamschutz.training.data import LabelledComment, read_comments
from spamschutz.training.starter import train_starter_model
from spamschutz.training.variants import with_line_endings, with_reference_link, with_website
from tests.conftest import DATASETS

GERMAN_READERS = DATASETS / "german-reader-comments"

# Reader comments as a German news site gets them; the first two are the issue's own examples.
WRITTEN_READERS = [
    "Der Artikel beantwortet sich ja schon selbst.\r\nErstens: was haben CEOs in ihren "
    "Elfenbeintürmen denn tatsächlich Ahnung von der Entwicklung an der Kundenfront? Da bin ich "
    "erstmal zurückhaltend deren Meinung über zu bewerten.\r\n\r\nRichtig, von outgesourcesten "
    "Dienstleistern mit viel Volumen und wenig Marge. Oops, das sind doch die Callcenter....",
    "Gute Sache mit den Radwegen.",
    "Die Mieten in Graz sind seit 2019 um 23 % gestiegen, die Löhne nicht.\r\n\r\nWer soll das "
    "noch zahlen? € 1.150,– für 60 m² ist kein Einzelfall mehr.",
    "@Karl: Lesen Sie den Artikel nochmal. Da steht „ab Jänner 2027“, nicht heuer.",
    "SO EIN SCHMARRN!!! Die Linie 13A fährt seit Wochen nur alle 20 Minuten.",
    "Thanks for the clear explanation of the ECB decision, finally someone explains the numbers.",
    "Meine Mutter ist auf so einen WhatsApp-Anlagebetrug reingefallen. Bitte warnt eure Eltern: "
    "niemand verdoppelt euer Geld in einer Woche.",
]

PHONE_NUMBERS = ["+49 1577 3920418", "0043 664 1234567", "+1-888-555-0142", "030 12345678"]
NOT_PHONE_NUMBERS = [
    "Am 3.12.2026 um 7:45 Uhr",
    "Preis: € 1.299,– statt 1.499,–",
    "Artikel 2000143421 auf derstandard.at/story/2000143421/wahl",
    "die Jahre 1990 bis 2020",
    "0.0.0.0 ist keine Adresse",
    "§ 218 StGB und Art. 5 GG",
    "12.000 Euro bei 3,5 % Zinsen",
    "Version 1.2.3.4 behebt das",
]

# One comment per kind of scam German sites get (written for this test, not from the corpus).
SCAM_KINDS = {
    "crypto_testimonial": "Ich war pleite, bis ich Frau Anja Berger kennenlernte. Mit ihrer "
    "Krypto-Strategie habe ich in 6 Wochen 38.000 € verdient! Schreibt ihr auf WhatsApp "
    "+49 1523 8841207, sie hilft jedem.",
    "recovery_scam": "Wurden Sie von einem Online-Broker betrogen? Unser Anwaltsteam holt Ihr "
    "Geld zurück, auch Bitcoin. Kostenlose Erstberatung: fondsrueckholung-hilfe.com",
    "support_number": "Danke für den Artikel! Wer Probleme mit seinem Flug hat: die "
    "Lufthansa-Kundenservice-Hotline 0800 330 4471 hat mir sofort geholfen, 24/7 erreichbar.",
    "channel_promo": "Hey Leute, abonniert meinen Kanal, ich mache jeden Tag neue Videos! "
    "https://www.youtube.com/@gamingmaxi99",
    "seo_praise": "Sehr informativer Beitrag, ich werde diese Seite auf jeden Fall meinen "
    "Freunden empfehlen. Weiter so!",
    "fake_review": "5 Sterne für Umzugsfirma Krüger! Schnell, günstig, zuverlässig. Jetzt "
    "Angebot sichern auf umzug-krueger-24.de",
    "loan": "Sofortkredit ohne Schufa bis 50.000 €, Auszahlung in 24 Stunden: "
    "kredit-sofort-ohne-schufa.net",
    "english_on_german_site": "Best online casino 2026, get 500 free spins now at "
    "https://spin-royal-bonus.xyz !!!",
}
SPAM_FIELDS = {"seo_praise": {"url": "https://www.billig-reisen-24.info"}}


@pytest.fixture(scope="module")
def starter() -> SpamModel:
    return train_starter_model()


def _readers(limit: int = 600) -> list[LabelledComment]:
    comments = [LabelledComment(text, 0, lang="de") for text in WRITTEN_READERS]
    if GERMAN_READERS.exists():
        real = [c for path in sorted(GERMAN_READERS.glob("*.jsonl")) for c in read_comments(path)]
        random.Random(0).shuffle(real)
        comments += real[:limit]
    return comments


def _band(model: SpamModel, comment: LabelledComment) -> str:
    return model.thresholds.band(model.score_one(comment.as_input()))


def test_line_endings_never_change_the_score(starter: SpamModel) -> None:
    for comment in _readers():
        scores = {
            ending: starter.score_one({"text": with_line_endings(comment.text, ending)})
            for ending in ("\n", "\r\n", "\r")
        }
        assert max(scores.values()) - min(scores.values()) <= 0.01, (comment.text[:80], scores)


def test_a_website_never_sends_a_reader_comment_to_the_spam_folder(starter: SpamModel) -> None:
    sent = [
        comment.text[:80]
        for comment in _readers()
        if _band(starter, comment) != "spam" and _band(starter, with_website(comment)) == "spam"
    ]
    assert sent == []


def test_capital_letters_never_change_the_score(starter: SpamModel) -> None:
    """Readers and fans shout ("SO EIN SCHMARRN!!!"): capitals are no evidence of spam."""
    for comment in _readers(limit=300):
        quiet = starter.score_one({"text": comment.text})
        loud = starter.score_one({"text": comment.text.upper()})
        assert abs(loud - quiet) <= 0.01, (comment.text[:80], quiet, loud)


def test_links_to_reference_sites_do_not_make_a_comment_spam(starter: SpamModel) -> None:
    sent = [
        comment.text[:80]
        for comment in _readers()
        if _band(starter, comment) != "spam"
        and _band(starter, with_reference_link(comment)) == "spam"
    ]
    assert sent == []


def test_paragraph_breaks_are_not_repeated_characters() -> None:
    column = META_FEATURES.index("repeated_letters")
    for text in ("Erstens.\r\n\r\n\r\n\r\nZweitens.", "Absatz\n\n\n\nAbsatz", "Ende....\r\n----"):
        assert MetaFeatures._row(prepare_comment(text))[column] == 0.0, text
    assert MetaFeatures._row(prepare_comment("Das ist sooooo gut"))[column] == 1.0


def test_article_numbers_dates_and_prices_are_not_phone_numbers() -> None:
    for text in NOT_PHONE_NUMBERS:
        assert PHONE_MARKER not in prepare_comment(text).tokens, text
    for number in PHONE_NUMBERS:
        assert PHONE_MARKER in prepare_comment(f"Ruf an: {number}").tokens, number


def test_function_words_are_never_reasons(starter: SpamModel) -> None:
    comments = [c.as_input() for c in _readers(300)] + [{"text": t} for t in SCAM_KINDS.values()]
    shown = {
        reason.feature.casefold()
        for comment in comments
        for reason in explain(starter, comment)
        if reason.kind == "word"
    }
    assert shown, "no word was given as a reason at all"
    assert shown & FUNCTION_WORDS == set()


def test_adding_a_pharma_link_raises_the_score(starter: SpamModel) -> None:
    link = " Günstig ohne Rezept: https://cheap-pills-online.xyz/viagra"
    for comment in _readers(200):
        with_link = {"text": comment.text + link}
        assert starter.score_one(with_link) > starter.score_one({"text": comment.text}), (
            comment.text[:80]
        )


def test_promoting_a_channel_raises_the_score(starter: SpamModel) -> None:
    promotion = " Check out my channel and please subscribe!"
    for comment in _readers(200):
        promoted = {"text": comment.text + promotion}
        assert starter.score_one(promoted) > starter.score_one({"text": comment.text}), (
            comment.text[:80]
        )


@pytest.mark.parametrize("kind", sorted(SCAM_KINDS))
def test_each_kind_of_scam_lands_at_least_unsure(starter: SpamModel, kind: str) -> None:
    comment = LabelledComment(SCAM_KINDS[kind], 1, **SPAM_FIELDS.get(kind, {}))
    assert _band(starter, comment) in ("unsure", "spam"), starter.score_one(comment.as_input())
