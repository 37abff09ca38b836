"""The comment stream of ``bench/campaigns.py``: real readers' comments with campaigns injected.

Honest comments: the YouTube Spam Collection's ham and the German reader comments
(derStandard.at), read in place. Campaigns: written here from templates, seeded, so every run
posts the same stream. Every comment comes from its own address (the harness sends it as
X-Forwarded-For), as readers do; a campaign's bots use a small pool of addresses.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from spamschutz.training import read_many

__all__ = ["CAMPAIGNS", "StreamComment", "build_stream", "honest_comments"]


@dataclass(frozen=True)
class StreamComment:
    """One comment to post, and what it is: ``honest`` or the name of its campaign."""

    text: str
    thread_id: str
    author: str
    address: str
    origin: str
    lang: str = "de"
    url: str = ""


@dataclass(frozen=True)
class CampaignPlan:
    """A campaign to inject: its templates, size, articles and how it is spread in time."""

    name: str
    templates: tuple[str, ...]
    size: int
    threads: int
    slow: bool = False
    lang: str = "de"
    url: str = ""


def _spin(template: str, rng: random.Random) -> str:
    def choose(match: re.Match[str]) -> str:
        return rng.choice(match.group(1).split("|"))

    text = re.sub(r"\{([^{}]*)\}", choose, template)
    return text.replace("#N", str(rng.randint(2, 97))).replace("#P", str(rng.randint(100, 999)))


CAMPAIGNS = (
    CampaignPlan("spun template", (
        "{Super|Toller|Klasse|Sehr guter|Spannender} {Artikel|Beitrag|Bericht}! Ich "
        "{verdiene|mache} {jetzt|seit kurzem|inzwischen} #N00 Euro {pro Woche|im Monat} "
        "{von zu Hause|nebenbei} {aus|}, {schaut|guckt|seht} {mal|einfach} auf "
        "www.nebenjob-sofort.biz/p#P {vorbei|rein}!"
        " {Grüße|LG|Viele Grüße} {Anna|Peter|Maria|Jonas|Lea}",), size=40, threads=12),
    CampaignPlan("same link across threads", (
        "Wer günstig Strom will: stromspar-vergleich24.info/angebot",
        "Habe gewechselt und #N Prozent gespart, Details unter https://stromspar-vergleich24.info",
        "Kennt ihr schon http://www.stromspar-vergleich24.info/#P ? Lohnt sich wirklich.",
        "Ganz ehrlich, stromspar-vergleich24.info hat mir geholfen.",
        "Off topic, aber: stromspar-vergleich24.info/tarif#P",
    ), size=30, threads=15),
    CampaignPlan("same phone, varying text", (
        "Kredit ohne Schufa in 24 Stunden! Anrufen: +49 151 2345 6789",
        "Sie brauchen Geld? Rufen Sie an: 0151 23456789",
        "Schnelle Hilfe bei Schulden, WhatsApp 0151-2345 6789",
        "{Privatkredit|Sofortkredit} bis #N000 Euro, Tel. 0049 151 23456789",
    ), size=25, threads=10),
    CampaignPlan("slow campaign over the whole stream", (
        "{Gewinnspiel|Verlosung}: Sie {haben|hätten} ein iPhone {gewonnen|erhalten}! Melden Sie "
        "sich {bitte|} bei gewinn.service@preisbuero-online.com mit Ihrer Adresse, Aktion #P.",),
        size=15, threads=15, slow=True),
    CampaignPlan("English on a German site", (
        "{Make|Earn} ${500|700|900} a {day|week} working from home! {Check|Visit} "
        "easy-cash-online.xyz/{start|go}#P {now|today}, {thanks|cheers} {Mike|Sarah|Tom}",
        "{Great|Nice} {article|post}! I {earn|make} ${300|600} daily with easy-cash-online.xyz",
    ), size=20, threads=10, lang="en"),
    CampaignPlan("author link, short texts", (
        "{Danke|Toll|Stimmt}!", "{Sehr interessant|Gut geschrieben}.", "{Genau|Richtig} so.",
    ), size=20, threads=10, url="https://www.seo-backlinks-kaufen.biz/shop"),
)


def honest_comments(datasets: Path) -> list[tuple[str, str, str]]:
    """(text, group, language) of the YouTube ham and the German reader comments that the
    API accepts (no word over 200 characters, at most 5,000 characters)."""
    rows: list[tuple[str, str, str]] = []
    files = sorted((datasets / "youtube-spam-collection").glob("*.csv"))
    for comment in read_many(files):
        if comment.label == 0:
            rows.append((comment.text, comment.group or "youtube", "en"))
    german = datasets / "german-reader-comments" / "comments.jsonl"
    for index, line in enumerate(german.read_text(encoding="utf-8").splitlines()):
        rows.append((json.loads(line)["text"], f"derstandard-{index // 30}", "de"))
    return [(text.strip(), group, lang) for text, group, lang in rows
            if text.strip() and len(text) <= 5000 and max(map(len, text.split())) <= 200]


def build_stream(datasets: Path, seed: int = 2026) -> list[StreamComment]:
    """The honest comments in a shuffled order with every campaign woven in: most as a wave
    over a few hundred comments, the slow one spread over the whole stream."""
    rng = random.Random(seed)
    honest = honest_comments(datasets)
    rng.shuffle(honest)
    stream: list[StreamComment | None] = [
        StreamComment(text, f"{group}-{index % 25}" if group.startswith("Youtube") else group,
                      f"Leser {index}", f"10.{index // 65025 % 250}.{index // 255 % 255}."
                      f"{index % 255 + 1}", "honest", lang)
        for index, (text, group, lang) in enumerate(honest)
    ]
    for number, plan in enumerate(CAMPAIGNS):
        members = [
            StreamComment(_spin(rng.choice(plan.templates), rng),
                          f"campaign-article-{number}-{rng.randrange(plan.threads)}",
                          rng.choice(("Anna", "Peter", "Maria", "Jonas", "Lea", "Mike", "Sarah"))
                          + f" {rng.randint(1, 99)}",
                          f"198.51.{100 + number}.{rng.randint(1, 20)}", plan.name, plan.lang,
                          plan.url)
            for _ in range(plan.size)
        ]
        # The first two members of each campaign go to different articles, so the campaign
        # spans articles from its start, as waves do.
        if members[0].thread_id == members[1].thread_id:
            members[1] = StreamComment(**{**members[1].__dict__,
                                          "thread_id": members[1].thread_id + "-b"})
        span = len(stream) if plan.slow else 300
        start = 0 if plan.slow else rng.randrange(len(stream) - span)
        positions = sorted(rng.sample(range(start, start + span), plan.size))
        for offset, (position, member) in enumerate(zip(positions, members, strict=True)):
            stream.insert(position + offset, member)
    return [comment for comment in stream if comment is not None]
