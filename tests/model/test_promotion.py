"""Self-promotion and requests to readers are recognised; readers' own phrases are not."""

from __future__ import annotations

import pytest

from spamschutz.model.promotion import asks_readers, self_promotion

PROMOTING = [
    "Check out my new channel",
    "sub to me and i sub back",
    "Hey guys check this out, our band just released a song",
    "visit my blog for the tiger collection",
    "Just do a search for DribbleProShot on Google",
    "I make money from home, ask me how",
    "look up DHG SONGS, this is my playlist",
]
READERS = [
    "i came here to check the views",
    "My favourite song of all time",
    "Ich habe die Zeitung seit Jahren abonniert.",
    "Der Artikel beantwortet sich ja schon selbst.",
    "Please stop comparing this to Gangnam Style",
    "this song is my life",
]


@pytest.mark.parametrize("text", PROMOTING)
def test_self_promotion_is_recognised(text: str) -> None:
    assert self_promotion(text) >= 1


@pytest.mark.parametrize("text", READERS)
def test_readers_remarks_are_no_self_promotion(text: str) -> None:
    assert self_promotion(text) == 0


def test_promotion_is_counted_whatever_the_case() -> None:
    assert self_promotion("CHECK OUT MY CHANNEL") == self_promotion("check out my channel") == 1


@pytest.mark.parametrize(
    "text",
    ["PLEASE SUBSCRIBE", "please, if you like rap, check my page", "plz share to vote!!!"],
)
def test_a_request_to_readers_is_recognised(text: str) -> None:
    assert asks_readers(text)


@pytest.mark.parametrize(
    "text", ["please stop", "Like this song so much", "subscribe to the newsletter, please"]
)
def test_a_please_without_a_request_after_it_is_no_request(text: str) -> None:
    assert not asks_readers(text)
