"""How spammers send readers elsewhere: self-promotion and requests, as patterns of words.

Words alone learn "channel" or "subscribe" one video, one site at a time; the phrases that
promote are the same everywhere ("check out my channel", "sub to me", "visit …", "search for
…"). In the YouTube Spam Collection they occur in the spam of every video and in the ham of
none; of 1,799 German reader comments one matches (an English quote with "search"). One signal
for all of them carries what a site's labels taught about some of them to the others
(bench/README.md, "Ranking or thresholds?"). English only: no German phrases were checked.
"""

from __future__ import annotations

import re

__all__ = ["asks_readers", "self_promotion"]

# "my channel", "our new video", "sub to me", "follow us", "check out my …", "check it out",
# promoting without a link ("visit", "search", "look up", "type in": "visit" and "search" count
# on their own) and earnings talk.
_SELF_PROMOTION = re.compile(
    r"\b(?:my|our)\s+(?:new\s+|own\s+|first\s+|youtube\s+|music\s+)?"
    r"(?:channel|chanel|video|videos|vids?|music|page|songs?|tracks?|playlist|blog|website|site|"
    r"account|twitter|instagram|facebook|band|mixtape|cover|covers|rap|raps|album|game|app)\b"
    r"|\b(?:sub(?:scribe)?|subcribe|follow|add)\s+(?:to\s+)?(?:me|us|my)\b"
    r"|\bcheck\s+(?:out\s+)?(?:my|our|this|it\s+out)\b|\bcheck\s+it\s+out\b"
    r"|\b(?:visit|look\s+up|search|type\s+in)\b"
    r"|\b(?:make|earn|making|earning)\s+(?:money|\$|cash|income)\b",
    re.IGNORECASE,
)
# "please … subscribe / like / share …": a request to the readers, not a remark to them. Two
# searches, not one pattern with ".*" between the words, so that the time stays linear in the
# length of the text however many "please" it holds.
_PLEASE = re.compile(r"\b(?:please|plz|pls)\b", re.IGNORECASE)
_ASKED = re.compile(r"\b(?:sub|subscribe|like|share|watch|check|visit|follow|vote|help)", re.I)


def self_promotion(text: str) -> int:
    """How many self-promoting phrases ``text`` holds."""
    return len(_SELF_PROMOTION.findall(text))


def asks_readers(text: str) -> bool:
    """Whether ``text`` asks its readers, with a "please", to subscribe, like, share or visit."""
    please = _PLEASE.search(text)
    return please is not None and _ASKED.search(text, please.end()) is not None
