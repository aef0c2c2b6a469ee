"""Does a per-site calibration on top of the global scores beat tuned thresholds alone?

Simulated sites are drawn from validation splits of ../shared/data (one row in five, by a hash
of the text): YouTube comments with their spam, plus one toxicity source's comments and
Wikipedia talk-page comments. Each site's first two thirds are its moderators' decisions; the
last third judges. For each label, three ways to set the site's policy from the same decisions:

- defaults: hold at 0.5, reject at 0.9, untouched;
- thresholds: `sieve sites tune`'s recommendation on the global scores;
- calibrated: a logistic regression fitted on the site's decisions over every label's score
  (logits of all seven), then the same recommendation on its output.

Printed: per mix, mean wrong decisions (wrongly rejected + wrongly approved) and held good
comments on the held-back third, over SEEDS random sites.

    .venv/bin/python bench/site_calibration.py [--data ../shared/data] [--seeds 20]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import load_classifier
from models.sources import SOURCES
from service.domain.tuning import recommend, replay

MIXES = [
    {"youtube": 150, "youtube_extra": 50, "kaggle_insults": 200, "wiki_cat": 200},
    {"youtube": 150, "youtube_extra": 50, "wiki_toxicity": 150, "wiki_cat": 250},
    {"youtube": 150, "youtube_extra": 50, "jigsaw": 150, "wiki_cat": 250},
    {"youtube": 150, "youtube_extra": 50, "civil": 200, "wiki_cat": 200},
]
REFUSED_AS = {"spam": "spam", "toxicity": "toxic"}
HOLD_EVERYTHING = {"approve_below": 0.0, "reject_above": 1.0}


def split(data: Path, name: str) -> list:
    relative, loader = SOURCES[name]
    return [e for e in loader(data / relative)
            if 15 <= len(e.text.strip()) <= 4000
            and hashlib.sha256(e.text.encode()).digest()[0] % 5 == 0]  # fmt: skip


def logits(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-5, 1 - 1e-5)
    return np.log(p / (1 - p))


def evaluate(rows, labels, seen_share: float = 2 / 3) -> dict[str, np.ndarray]:
    """rows: (scores vector, truth); returns per approach [wrong decisions, held good]."""
    n_seen = int(len(rows) * seen_share)
    out = {name: np.zeros(2) for name in ("defaults", "thresholds", "calibrated")}
    for label, refused in REFUSED_AS.items():
        index = labels.index(label)
        kept = [(i, r) for i, r in enumerate(rows) if r[1] in ("good", refused)]
        x = np.array([r[0] for _, r in kept])
        truth = np.array([r[1] == refused for _, r in kept], dtype=int)
        seen = np.array([i < n_seen for i, _ in kept])
        raw = x[:, index]
        fitted = raw.copy()
        if truth[seen].sum() >= 5 and (1 - truth[seen]).sum() >= 5:
            model = LogisticRegression(C=1.0, max_iter=1000)
            model.fit(logits(x[seen]), truth[seen])
            fitted = model.predict_proba(logits(x))[:, 1]
        for name, scores in (("thresholds", raw), ("calibrated", fitted)):
            tuned = recommend(label, scores[seen], truth[seen], HOLD_EVERYTHING).recommended
            low, high = (tuned.approve_below, tuned.reject_above) if tuned else (0.5, 0.9)
            o = replay(scores[~seen], truth[~seen], low, high)
            out[name] += (o.errors, o.held_for_nothing)
        o = replay(raw[~seen], truth[~seen], 0.5, 0.9)
        out["defaults"] += (o.errors, o.held_for_nothing)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    if not (args.data / "README.md").exists():
        print(f"site calibration: no data at {args.data}; nothing measured")
        return
    classifier = load_classifier()
    labels = list(classifier.labels)
    names = sorted({name for mix in MIXES for name in mix})
    pools = {}
    for name in names:
        examples = split(args.data, name)
        probs = classifier.probabilities([e.text for e in examples])
        pools[name] = [
            (p, "spam" if e.labels.get("spam") else "toxic" if e.labels.get("toxicity") else "good")
            for e, p in zip(examples, probs, strict=True)
        ]
    print(f"site calibration, model {classifier.version}, {args.seeds} sites per mix; "
          "held-back third: wrong decisions / good comments held")  # fmt: skip
    for mix in MIXES:
        totals = {name: np.zeros(2) for name in ("defaults", "thresholds", "calibrated")}
        for seed in range(args.seeds):
            rng = random.Random(seed)
            rows = [row for name, k in mix.items() for row in rng.sample(pools[name], k)]
            rng.shuffle(rows)
            for name, value in evaluate(rows, labels).items():
                totals[name] += value
        toxic_source = next(n for n in mix if n not in ("youtube", "youtube_extra", "wiki_cat"))
        cells = ", ".join(f"{name} {t[0] / args.seeds:.2f} / {t[1] / args.seeds:.1f}"
                          for name, t in totals.items())  # fmt: skip
        print(f"site calibration, {toxic_source:14} {cells}")


if __name__ == "__main__":
    main()
