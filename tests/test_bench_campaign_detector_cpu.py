"""bench/campaign_detector_cpu.py: the detector's CPU per comment on bench.http's comments."""

from __future__ import annotations

import re

import pytest

from bench import campaign_detector_cpu


def test_it_links_every_batch_and_prints_the_cpu_per_comment(capsys):
    # Without the YouTube files it falls back to the starter corpus, as bench.http does.
    campaign_detector_cpu.main(["--batch", "4", "--rounds", "7"])
    printed = capsys.readouterr().out
    found = re.search(r"batches of 4: (\d+\.\d+) ms", printed)
    assert found, printed
    assert float(found[1]) > 0


def test_too_few_rounds_are_refused_with_the_reason(capsys):
    with pytest.raises(SystemExit):
        campaign_detector_cpu.main(["--rounds", "5"])
    assert "--rounds must be more than 5" in capsys.readouterr().err
