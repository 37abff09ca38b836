"""A flood of unique long words cannot grow a worker's memory without bound.

The per-word memos (n-grams, columns, stems, weights) keep what they keep by bytes. The flood of
the report, 20 checks with a unique 60,000-letter word and 300 scores with 49 unique 200-letter
words each, grew a worker by more than 800 MB; here it runs in a fresh process (so the test
suite's own memory does not count) through the scoring and explaining path every request takes,
and through batch scoring.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from spamschutz.model import StoredModel
from tests.conftest import REPO_ROOT

# What the flood may add to a worker's resident memory: the memos' budgets (about 110 MB
# together) and the allocator's slack.
FLOOD_BUDGET_MB = 160

_FLOOD = textwrap.dedent(
    """
    import gc, json, random, resource, string, sys
    from pathlib import Path

    from spamschutz.model import ModelStore
    from spamschutz.model.explain import score_with_reasons
    from spamschutz.model.features import prepare_comment

    def resident_mb():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

    path, version, sha256 = sys.argv[1:4]
    model = ModelStore(Path(path).parent.parent).load(version, sha256)
    rng = random.Random(16)

    def word(length):
        return "".join(rng.choices(string.ascii_lowercase, k=length))

    score_with_reasons(model, {"text": "warm up " + word(10)})
    model.compiled.decisions([prepare_comment({"text": word(8)}) for _ in range(10)])
    gc.collect()
    before = resident_mb()
    for _ in range(20):
        score_with_reasons(model, {"text": "schau mal " + word(60_000)})
    for _ in range(300):
        score_with_reasons(model, {"text": " ".join(word(200) for _ in range(49))})
    batch = [prepare_comment({"text": " ".join(word(200) for _ in range(49))}) for _ in range(100)]
    model.compiled.decisions(batch)
    del batch
    gc.collect()
    print(json.dumps({"before": before, "after": resident_mb()}))
    """
)


@pytest.mark.slow
def test_flood_of_unique_long_words_stays_within_memory_budget(tiny_model: StoredModel):
    result = subprocess.run(
        [sys.executable, "-c", _FLOOD, str(tiny_model.path), tiny_model.version, tiny_model.sha256],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    resident = json.loads(result.stdout)
    grown = resident["after"] - resident["before"]
    assert grown <= FLOOD_BUDGET_MB, f"the flood grew the process by {grown:.0f} MB"
