"""How many readers each challenge mode asks, and how much spam it keeps out of the queue.

    .venv/bin/python -m bench.challenge_modes [--datasets ../shared/datasets]

YouTube Spam Collection, leave one video out: ``spamschutz.training.train_model`` on four videos,
scored on the fifth, five times. The simulation assumes what the challenge is for: a person answers
the question, a spam bot does not. Then per mode, over the held-out comments:

* ``always``: every reader is asked; spam that answered nothing never gets in.
* ``unsure``: only comments in the model's unsure band are asked (409 + question); the model's
  spam band goes to the spam folder unasked, its ham band to the review queue unasked.
* ``never``: nobody is asked; only the spam band is kept out of the queue.

"Spam blocked" counts spam kept out of the review queue (refused at the question or put in the
spam folder); "ham to spam folder" counts readers' comments moderators must rescue.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spamschutz.training import read_many, train_model

MODES = ("always", "unsure", "never")


def simulate(bands: list[str], labels: list[int]) -> dict[str, dict[str, float]]:
    """Share asked, spam blocked and ham sent to the spam folder for each mode."""
    spam = [band for band, label in zip(bands, labels, strict=True) if label == 1]
    ham = [band for band, label in zip(bands, labels, strict=True) if label == 0]
    total = len(bands)
    return {
        "always": {
            "asked": 1.0,
            "spam_blocked": 1.0,
            "ham_to_spam": ham.count("spam") / len(ham),
        },
        "unsure": {
            "asked": bands.count("unsure") / total,
            "spam_blocked": (spam.count("spam") + spam.count("unsure")) / len(spam),
            "ham_to_spam": ham.count("spam") / len(ham),
        },
        "never": {
            "asked": 0.0,
            "spam_blocked": spam.count("spam") / len(spam),
            "ham_to_spam": ham.count("spam") / len(ham),
        },
    }


def main() -> None:
    """Train per held-out video, score it, and print the table of the three modes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=str(Path("..") / "shared" / "datasets"))
    args = parser.parse_args()
    files = sorted((Path(args.datasets) / "youtube-spam-collection").glob("Youtube0*.csv"))
    comments = read_many(files)
    videos = sorted({comment.group for comment in comments})
    bands: list[str] = []
    labels: list[int] = []
    for video in videos:
        train = [comment for comment in comments if comment.group != video]
        test = [comment for comment in comments if comment.group == video]
        model = train_model(train, folds=5, seed=0)
        scores = model.score(
            [{"text": c.text, "author": c.author, "email": c.email, "url": c.url} for c in test]
        )
        bands += [model.thresholds.band(float(score)) for score in scores]
        labels += [comment.label for comment in test]
    results = simulate(bands, labels)
    print(f"YouTube Spam Collection, leave one video out: {len(bands)} comments, "
          f"{sum(labels)} spam, {len(videos)} folds")
    print("| mode | readers asked | spam blocked | ham to spam folder |")
    print("|---|---:|---:|---:|")
    for mode in MODES:
        row = results[mode]
        print(f"| {mode} | {row['asked']:.1%} | {row['spam_blocked']:.1%} "
              f"| {row['ham_to_spam']:.1%} |")


if __name__ == "__main__":
    main()
