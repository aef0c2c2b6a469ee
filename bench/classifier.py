"""Speed, size and quality of the committed classifier, side by side with alt-profanity-check.

Run: .venv/bin/python bench/classifier.py [--data ../shared/data] [--model DIR] [--json]
"""

from __future__ import annotations

import os

# One core: BLAS threads and CPU affinity are pinned before numpy is imported.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def best_of(run: Callable[[], None], repeat: int = 3) -> float:
    """Fastest of `repeat` runs in seconds: the machine is shared, the minimum is the signal."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def speed(data_dir: Path, model_dir: Path | None) -> tuple[dict, list[str]]:
    started = time.perf_counter()
    import models

    imported = time.perf_counter()
    classifier = models.load_classifier(model_dir)
    loaded = time.perf_counter()
    figures = {
        "model": classifier.version,
        "import_seconds": round(imported - started, 3),
        "load_seconds": round(loaded - imported, 3),
        "rss_mb_after_load": round(rss_mb(), 1),
    }
    directory = Path(model_dir) if model_dir else models.DEFAULT_ARTIFACT_DIR
    figures["artifact_mb"] = round((directory / "model.skops").stat().st_size / 1e6, 2)
    texts = comment_texts(data_dir)
    classifier.score(texts[:200])  # warm caches
    for explain in (False, True):
        suffix = "_with_reasons" if explain else ""

        def batches(explain: bool = explain) -> None:
            for i in range(0, len(texts), 1000):
                classifier.score(texts[i : i + 1000], explain=explain)

        def singles(explain: bool = explain) -> None:
            for text in texts[:2000]:
                classifier.score([text], explain=explain)

        figures[f"batch_per_second{suffix}"] = round(len(texts) / best_of(batches))
        figures[f"single_per_second{suffix}"] = round(2000 / best_of(singles))
    figures["mean_chars"] = round(sum(map(len, texts)) / len(texts), 1)
    figures["load_average_1min"] = os.getloadavg()[0]
    figures["rss_mb_after_scoring"] = round(rss_mb(), 1)
    return figures, texts


def comment_texts(data_dir: Path) -> list[str]:
    """Up to 20,000 real comments (all sources, shuffled), or synthetic ones without the data."""
    import random

    from models.sources import load_all

    try:
        texts = [e.text for e in load_all(data_dir)[0]]
    except FileNotFoundError:
        texts = [f"comment number {i}, you idiot! see www.example{i}.com" for i in range(5000)]
    random.Random(0).shuffle(texts)
    return texts[:20000]


def side_by_side(data_dir: Path, seed: int) -> dict:
    """ROC AUC on the held-out toxicity rows: Sieve's validation model vs alt-profanity-check."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from models.corpus import Corpus
    from models.judgement import LABELS
    from models.sources import load_all
    from models.validate import out_of_fold

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pickle predates our scikit-learn
        from profanity_check import predict_prob

    examples, _ = load_all(data_dir)
    corpus = Corpus.build(examples)
    rows, raw, _ = out_of_fold(corpus, seed, folds=(0,))  # one fold: a fifth of every source
    toxicity = LABELS.index("toxicity")
    held = np.array([i for i in rows if "toxicity" in corpus.examples[i].labels])
    raw = raw[np.isin(rows, held), toxicity][:, None]
    texts = [corpus.examples[i].text for i in held]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = predict_prob(texts)
    truth = np.array([corpus.examples[i].labels["toxicity"] for i in held])
    sources = corpus.sources()[held]
    out = {}
    for source in [*np.unique(sources).tolist(), "all"]:
        mask = np.ones(len(held), bool) if source == "all" else sources == source
        out[source] = {
            "rows": int(mask.sum()),
            "sieve_roc_auc": round(float(roc_auc_score(truth[mask], raw[mask, 0])), 4),
            "profanity_check_roc_auc": round(float(roc_auc_score(truth[mask], theirs[mask])), 4),
        }
    return out


def record(report: dict, model_dir: Path | None) -> None:
    """Store the figures under "bench" in metadata.json; model.skops and its hash are untouched."""
    from datetime import UTC, datetime

    import models

    path = Path(model_dir or models.DEFAULT_ARTIFACT_DIR) / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["bench"] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python bench/classifier.py --record",
        **report,
    }
    path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--record", action="store_true", help="Also store the figures in the model's metadata.json."
    )
    args = parser.parse_args()
    figures, _ = speed(args.data, args.model)
    report: dict = {"speed_and_size": figures}
    import models

    seed = models.load_classifier(args.model).metadata["seed"]
    if (args.data / "README.md").exists():
        report["toxicity_vs_profanity_check"] = side_by_side(args.data, seed)
    if args.record:
        record(report, args.model)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("speed and size (one core)")
    for key, value in figures.items():
        print(f"  {key:34} {value}")
    if "toxicity_vs_profanity_check" in report:
        print("\ntoxicity ROC AUC on held-out rows (Sieve validation model, same rows)")
        print(f"  {'dataset':12} {'rows':>6} {'sieve':>8} {'profanity-check':>16}")
        for name, row in report["toxicity_vs_profanity_check"].items():
            print(f"  {name:12} {row['rows']:>6} {row['sieve_roc_auc']:>8.4f} "
                  f"{row['profanity_check_roc_auc']:>16.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
