"""Does the model learn from its moderators? Before and after one ``retrain``, over HTTP.

Starts ``spamschutz serve`` on a fresh SQLite database (it trains the starter model), posts the
comments of four YouTube videos through the comment form's API (challenge answered, as a reader
would), lets a moderator decide each one through the moderation API with its true label
(spam → ``spam``, ham → ``approve``), runs ``spamschutz retrain --promote-if-better`` (the
documented cron line) and evaluates the active model on the fifth video, which neither model
saw, before and after. The running server must pick up the promoted model without a restart.

    python -m bench.learning [--datasets ../shared/datasets] [--held-out Youtube05-Shakira.csv]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.http_servers import ANSWER, VENV_BIN, start_spamschutz, stop
from spamschutz.training.data import read_comments

VIDEOS = (
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
    "Youtube05-Shakira.csv",
)
_FIGURES = ("roc_auc", "mcc", "recall", "ham_blocked", "precision_at_0_9", "brier")


def _cli(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "spamschutz"), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"spamschutz {' '.join(arguments)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _post(client: httpx.Client, comment) -> tuple[str | None, str | None]:
    """Post one comment as a reader would: its id, or the error code the form answered."""
    challenge = client.get("/api/v1/challenge", params={"lang": "en"}).json()
    answer = client.post(
        "/api/v1/comments",
        json={
            "thread_id": comment.group[:100] or "video",
            "author": (comment.author or "reader")[:100],
            "text": comment.text,
            "challenge_token": challenge["token"],
            "challenge_answer": ANSWER,
        },
    )
    if answer.status_code == 202:
        return answer.json()["id"], None
    return None, answer.json().get("error", str(answer.status_code))


def _moderate(client: httpx.Client, ids: dict[str, int], token: str) -> int:
    """Decide every comment with its true label, oldest first, as a moderator works the queue
    (so the newest decisions, which the gate keeps for itself, hold both classes)."""
    auth = {"Authorization": f"Bearer {token}"}
    for public_id, label in ids.items():
        answer = client.post(
            f"/api/v1/moderation/comments/{public_id}/decision",
            json={"action": "spam" if label else "approve"},
            headers=auth,
        )
        answer.raise_for_status()
    return len(ids)


def _evaluate(env: dict[str, str], held_out: Path) -> dict[str, object]:
    return json.loads(_cli(env, "evaluate", "--data", str(held_out), "--json"))


def _served_version(url: str) -> str:
    return httpx.get(f"{url}/healthz", timeout=10).json()["model_version"]


def run(datasets: Path, held_out_name: str) -> dict[str, object]:
    """The whole loop; returns the before/after figures and what happened on the way."""
    corpus = datasets / "youtube-spam-collection"
    held_out = corpus / held_out_name
    training = [corpus / name for name in VIDEOS if name != held_out_name]
    with tempfile.TemporaryDirectory(prefix="spamschutz-learning-") as scratch:
        server = start_spamschutz(Path(scratch), 1, 4, None, None)
        try:
            env = server.env
            token = _cli(env, "tokens", "create", "bench", "--role", "moderator").split()[-1]
            before_version = _served_version(server.url)
            before = _evaluate(env, held_out)
            posted: dict[str, int] = {}
            refused: Counter[str] = Counter()
            with httpx.Client(base_url=server.url, timeout=30) as client:
                for path in training:
                    for comment in read_comments(path):
                        public_id, error = _post(client, comment)
                        if public_id is None:
                            refused[str(error)] += 1
                        else:
                            posted[public_id] = comment.label
                decided = _moderate(client, posted, token)
            started = time.monotonic()
            retrain_output = _cli(env, "retrain", "--promote-if-better")
            retrain_seconds = time.monotonic() - started
            after = _evaluate(env, held_out)
            deadline = time.monotonic() + 30
            while _served_version(server.url) != after["model_version"]:
                if time.monotonic() > deadline:
                    raise RuntimeError("the running server never switched to the new model")
                time.sleep(0.5)
            switched = time.monotonic() - started - retrain_seconds
        finally:
            stop(server)
    return {
        "held_out": held_out_name,
        "training_videos": [path.name for path in training],
        "posted": len(posted),
        "refused_by_the_form": dict(refused),
        "decided": decided,
        "retrain_seconds": round(retrain_seconds, 1),
        "served_new_model_after_s": round(switched, 1),
        "retrain_output": retrain_output.strip(),
        "before": {"version": before_version, **{k: before[k] for k in _FIGURES}},
        "after": {"version": after["model_version"], **{k: after[k] for k in _FIGURES}},
    }


def markdown(result: dict[str, object]) -> str:
    """The before/after table and the retrain output, as bench/README.md shows them."""
    refusals = ", ".join(f"{n} {code}" for code, n in result["refused_by_the_form"].items())
    rows = [
        "| model | version | ROC-AUC | MCC | spam caught | ham blocked | precision ≥ 0.9 | Brier |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (("before", "starter (before)"), ("after", "retrained (after)")):
        figures = result[name]
        rows.append(
            f"| {label} | `{figures['version']}` | {figures['roc_auc']:.4f} | {figures['mcc']:.4f}"
            f" | {figures['recall']:.1%} | {figures['ham_blocked']:.1%}"
            f" | {figures['precision_at_0_9']:.1%} | {figures['brier']:.4f} |"
        )
    return "\n".join(
        [
            "Command: `python -m bench.learning`. "
            f"{result['posted']} comments of {', '.join(result['training_videos'])} posted through "
            f"the form (refused: {refusals}), {result['decided']} "
            f"decided by a moderator; evaluated on {result['held_out']}, which no model saw. "
            f"`retrain --promote-if-better` took {result['retrain_seconds']} s; the running "
            f"server served the new model {result['served_new_model_after_s']} s later. "
            f"Python {platform.python_version()}.",
            "",
            *rows,
            "",
            "`spamschutz retrain --promote-if-better` printed:",
            "",
            "```",
            str(result["retrain_output"]),
            "```",
            "",
        ]
    )


def main() -> None:
    """Run the loop and write ``learning.md`` and ``learning.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--held-out", default=VIDEOS[-1], choices=VIDEOS)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    arguments = parser.parse_args()
    result = run(arguments.datasets, arguments.held_out)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "learning.json").write_text(json.dumps(result, indent=2) + "\n")
    (arguments.out / "learning.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
