"""The comment fingerprint and its MinHash: what makes two comments one campaign, purely."""

from __future__ import annotations

import itertools
import random
import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from spamschutz.model.features import prepare_comment
from spamschutz.model.text import forget_recent_normalisations
from spamschutz.service.campaigns import minhash
from spamschutz.service.campaigns.fingerprint import fingerprint_comment, registrable_domain

TEMPLATE = (
    "{Super|Toller|Klasse|Sehr guter} Artikel! Ich {verdiene|mache} jetzt {3000|5000|7000} Euro "
    "im Monat von zu Hause aus, {schaut|guckt} mal auf {link} {vorbei|rein}, "
    "{Grüße|LG} {Anna|Peter|Maria}"
)


def spin(template: str, rng: random.Random) -> str:
    """One variant of a spun template, with a new link path each time."""
    def choose(match: re.Match[str]) -> str:
        if match.group(1) == "link":
            return f"https://www.example-cash.ru/p{rng.randint(1, 999)}"
        return rng.choice(match.group(1).split("|"))

    return re.sub(r"\{([^}]*)\}", choose, template)


def similarity(first: str, second: str) -> float:
    one, two = fingerprint_comment(first), fingerprint_comment(second)
    assert one.signature and two.signature
    return minhash.estimated_similarity(
        minhash.decode_signature(one.signature), minhash.decode_signature(two.signature))


def test_spun_variants_of_a_template_are_near_duplicates():
    rng = random.Random(7)
    variants = [spin(TEMPLATE, rng) for _ in range(12)]
    scores = [similarity(a, b) for a, b in itertools.combinations(variants, 2)]
    assert np.median(scores) >= 0.5


def test_changed_names_numbers_and_links_still_match():
    first = ("Hallo Peter, ich habe 4500 Euro in drei Wochen verdient, ganz ohne Risiko. "
             "Alles steht auf https://schnell-reich.example.biz/a1")
    second = ("Hallo Maria, ich habe 9100 Euro in drei Wochen verdient, ganz ohne Risiko. "
              "Alles steht auf http://gewinn.example.net/zz")
    assert similarity(first, second) >= 0.6


def test_unrelated_reader_comments_are_not_near_duplicates():
    first = ("Die Regierung hätte die Reform viel früher angehen müssen, jetzt zahlen die "
             "Pendler die Zeche für jahrelanges Zögern.")
    second = ("Ich fahre seit zwanzig Jahren mit dem Rad ins Büro und verstehe die Aufregung "
              "um die neuen Radwege überhaupt nicht.")
    assert similarity(first, second) < 0.2


def test_short_common_texts_get_no_text_fingerprint():
    for text in ("Danke!", "Sehe ich genauso.", "Super Artikel, danke für die Recherche!"):
        fingerprint = fingerprint_comment(text)
        assert fingerprint.signature is None
        assert fingerprint.text_keys == ()


def test_a_quoted_article_sentence_is_left_out_of_the_text():
    quote = ("„Die Bundesregierung plant, die Pendlerpauschale ab dem kommenden Jahr deutlich "
             "zu senken und das Klimaticket zu verbilligen.“")
    assert fingerprint_comment(quote + " Na endlich.").signature is None
    assert fingerprint_comment("> " + quote[1:-1] + "\nStimmt nicht.").signature is None


def test_links_to_reference_sites_are_no_shared_element():
    text = ("Siehe https://de.wikipedia.org/wiki/Pendlerpauschale und "
            "https://www.bmf.gv.at/themen.html sowie https://youtu.be/abc")
    assert fingerprint_comment(text).domains == ()
    assert fingerprint_comment(text, common_domains=["example.com"]).domains == ()
    own = fingerprint_comment("Mehr auf https://www.example.com/x", common_domains=["example.com"])
    assert own.domains == ()


def test_link_domains_are_reduced_to_their_registrable_part():
    fingerprint = fingerprint_comment(
        "Jetzt kaufen: https://shop.cheap-pills.co.uk/x und www.cheap-pills.co.uk",
        author_url="https://blog.pills-direct.com/me")
    assert fingerprint.domains == ("cheap-pills.co.uk",)
    assert fingerprint.website == "pills-direct.com"
    assert "w:pills-direct.com" in fingerprint.index_keys()
    assert registrable_domain("www.Example.COM") == "example.com"


def test_one_phone_number_however_it_is_written():
    numbers = {
        fingerprint_comment(f"Ruf an: {written}").phones
        for written in ("+49 151 2345 6789", "0049 151 23456789", "0151/2345 6789",
                        "0151-23456789")
    }
    assert numbers == {("015123456789",)}


def test_e_mail_addresses_and_the_commenters_mail_domain():
    fingerprint = fingerprint_comment("Schreib an Info@Kredit-Sofort.example",
                                      author_email="a@b.de")
    assert fingerprint.emails == ("info@kredit-sofort.example",)
    assert fingerprint.mail_domain == "b.de"
    assert fingerprint_comment("x", author_email="leser@gmx.at").mail_domain is None


def test_keys_name_every_element():
    fingerprint = fingerprint_comment(
        "Kredit ohne Schufa, ruf an 0151 23456789 oder www.kredit-sofort.example.com",
        senders=("ip-hash", ""))
    keys = fingerprint.index_keys()
    assert "d:example.com" in keys
    assert "p:015123456789" in keys
    assert "s:ip-hash" in keys


@given(st.text(max_size=400))
def test_fingerprint_never_raises(text):
    fingerprint = fingerprint_comment(text)
    if fingerprint.signature is not None:
        assert len(fingerprint.text_keys) == minhash.BANDS
        assert len(minhash.decode_signature(fingerprint.signature)) == minhash.PERMUTATIONS


def test_signature_is_the_minhash_of_its_definition():
    """Signatures are stored for the whole window: the vectorised one must stay, value for
    value, min over the shingles of (a * h + b) mod p for each permutation."""
    hashes = minhash.shingle_hashes("ein langer text über kampagnen und wellen, 3000 euro")
    expected = [min((int(a) * int(h) + int(b)) % minhash._PRIME for h in hashes)
                for a, b in zip(minhash._A[:, 0], minhash._B[:, 0], strict=True)]
    assert minhash.signature(hashes).tolist() == expected


def test_signature_survives_its_encoding_and_is_stable():
    hashes = minhash.shingle_hashes("ein langer text über kampagnen und wellen")
    values = minhash.signature(hashes)
    assert np.array_equal(minhash.decode_signature(minhash.encode_signature(values)), values)
    # Stored signatures must compare with new ones after a restart: the seeds are fixed.
    assert minhash.band_keys(values) == minhash.band_keys(minhash.signature(hashes))
    assert minhash.estimated_similarity(values, values) == 1.0


# Comments of every kind the intake sees: German and English, links, phone numbers, e-mail
# addresses, spaced and look-alike letters, quotes, markup and each way of breaking lines.
VARIED_TEXTS = [
    "Super Artikel! Ich verdiene jetzt 5000 Euro im Monat von zu Hause aus, schaut mal auf "
    "https://www.example-cash.ru/p17 vorbei, Grüße Anna",
    "Great video, I make $300 a day working from home, visit www.easy-money.xyz/start now!!!",
    "Ruf mich an: +49 (0)151 2345 6789 oder 0151/23456789, schreib an info@kredit-sofort.de",
    "Call me at (555) 123-4567 or 555-123-4567 for the best deal on c h e a p  m e d s",
    "F r e e   m o n e y at example dot com, besuche auch kasino[.]xyz und v1agra-shop.top",
    "Wie im Artikel steht: „Die Regierung plant eine Reform der Pensionen bis 2030.“ Das halte "
    "ich für einen Fehler, die Jungen zahlen am Ende die Rechnung.",
    "> Das ist doch Unsinn\nNein, das ist es nicht, lies mal https://de.wikipedia.org/wiki/Rente "
    "bevor du so etwas schreibst.",
    "Zeile eins mit Gedanken zum Artikel\r\nZeile zwei mit mehr Gedanken dazu\r\nund ein Ende",
    "Ein Kommentar mit Zeilenumbruch am Ende, wie ihn manche Formulare schicken, bitte sehr\n",
    'Look at <a href="https://spam.example.org/x">this</a> and <b>that</b> right now, friends',
    "Сheap рills оnline – bеst рrices gаrаntееd, order at ｗｗｗ．ｐｉｌｌｓ．ｃｏｍ today",
    "Danke!",
    "Sehe ich genauso.",
    "&quot;Zitat&quot; &amp; mehr: schaut auf beispiel&#46;de vorbei, da gibt es alles gratis",
    "»Wer nichts wagt, der nichts gewinnt« sagte meine Oma immer, und sie hatte recht damit.",
]


def test_fingerprint_after_the_scorings_preparation_equals_the_fingerprint_alone():
    """At intake the model prepares (and normalises) a comment for its score before the
    detection fingerprints it, and the fingerprint reuses that normalisation: it must be the
    fingerprint the comment had before, or stored signatures in the window would stop
    matching."""
    for text in VARIED_TEXTS:
        forget_recent_normalisations()
        alone = fingerprint_comment(text, author_email="a@shop.example", senders=("ip-1",))
        forget_recent_normalisations()
        prepare_comment({"text": text, "author": "Leser", "email": "", "url": ""})
        after_scoring = fingerprint_comment(
            text, author_email="a@shop.example", senders=("ip-1",))
        assert after_scoring == alone, text


def test_markup_and_line_endings_do_not_change_the_fingerprint():
    """A form that sends HTML and one that sends plain text, Windows and Unix line breaks: the
    same comment, the same campaign (as for the model, which reads the same text)."""
    plain = "Ich verdiene jetzt 5000 Euro im Monat von zu Hause aus.\nSchaut mal vorbei, LG Anna"
    variants = [
        plain.replace("\n", "\r\n"),
        plain.replace("\n", "<br />"),
        "<p>" + plain.replace("\n", "</p><p>") + "</p>",
    ]
    for variant in variants:
        assert fingerprint_comment(variant) == fingerprint_comment(plain), variant
