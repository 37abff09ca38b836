"""bench/campaigns.py's stream: real comments with the campaigns the issue asks for woven in."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.campaign_stream import CAMPAIGNS, build_stream
from tests.conftest import DATASETS, DATASETS_MISSING

pytestmark = pytest.mark.skipif(
    not (DATASETS / "german-reader-comments").exists(), reason=DATASETS_MISSING)


def test_the_stream_holds_every_campaign_among_the_real_comments():
    stream = build_stream(DATASETS)
    origins = Counter(comment.origin for comment in stream)
    assert len(CAMPAIGNS) >= 5
    assert {plan.name: plan.size for plan in CAMPAIGNS} == {
        name: count for name, count in origins.items() if name != "honest"}
    assert origins["honest"] > 2500
    assert any(plan.lang == "en" for plan in CAMPAIGNS)
    assert any(plan.slow for plan in CAMPAIGNS)


def test_every_honest_comment_comes_from_its_own_address_and_the_stream_is_repeatable():
    stream = build_stream(DATASETS)
    honest = [comment.address for comment in stream if comment.origin == "honest"]
    assert len(set(honest)) == len(honest)
    assert [c.text for c in build_stream(DATASETS)] == [c.text for c in stream]


def test_a_slow_campaign_spans_the_stream_and_a_wave_does_not():
    stream = build_stream(DATASETS)
    positions = {plan.name: [i for i, c in enumerate(stream) if c.origin == plan.name]
                 for plan in CAMPAIGNS}
    for plan in CAMPAIGNS:
        spread = positions[plan.name][-1] - positions[plan.name][0]
        assert spread > len(stream) / 2 if plan.slow else spread <= 300 + plan.size
