"""Training: deterministic, per-source cleaning, the CLI commands end to end on tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from models import load_classifier
from models.build import train_to
from models.cli import model
from models.sources import load_all

PROBES = ["you are a moron", "thanks for the map", "check out my channel bit.ly/win", "hello"]


def test_training_is_deterministic(tiny_data: Path, tmp_path: Path) -> None:
    first = train_to(tiny_data, tmp_path / "a", seed=3)
    second = train_to(tiny_data, tmp_path / "b", seed=3)
    a = load_classifier(tmp_path / "a").score(PROBES)
    b = load_classifier(tmp_path / "b").score(PROBES)
    assert [j.to_dict() for j in a] == [j.to_dict() for j in b]
    assert first["validation"] == second["validation"]


def test_source_markup_is_stripped(tiny_data: Path) -> None:
    examples, manifest = load_all(tiny_data)
    texts = {e.source: [x.text for x in examples if x.source == e.source] for e in examples}
    assert not any("&amp;" in t or "RT @" in t for t in texts["davidson"])
    assert not any("@USER" in t or t.endswith("URL") for t in texts["olid"])
    assert all("don't you?" in t for t in texts["stormfront"])
    assert len(texts["stormfront"]) == manifest["stormfront"]["rows"] == 24  # -1 rows dropped


def test_train_and_eval_commands(tiny_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "artifacts" / "cli-1"
    result = runner.invoke(
        model,
        # One job: forking the test process (browser and worker threads in it) is not safe.
        ["train", "--data", str(tiny_data), "--out", str(out), "--seed", "1", "--set-latest",
         "--jobs", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out.parent / "LATEST").read_text().strip() == "cli-1"
    assert "validation ROC AUC" in result.output
    result = runner.invoke(model, ["eval", "--data", str(tiny_data), "--model", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"] == "cli-1"
    figures = report["datasets"]["jigsaw"]["all"]["labels"]["toxicity"]
    assert {"roc_auc", "average_precision", "precision", "recall", "f1"} <= set(figures)
    policy = report["datasets"]["jigsaw"]["all"]["policy"]
    assert policy["benign"] + policy["harmful"] == report["datasets"]["jigsaw"]["all"]["rows"]
    shares = [policy[f"benign_{name}"] for name in ("approved", "held", "rejected")]
    assert abs(sum(shares) - 1) < 1e-3 and 0 <= policy["harmful_caught"] <= 1
    assert "links" in report["datasets"]["youtube"]  # the tiny spam has links
    table = runner.invoke(model, ["eval", "--data", str(tiny_data), "--model", str(out)]).output
    assert "default policy: hold at 0.5, reject at 0.9" in table
    assert "jigsaw" in table and "approved" in table


def test_moderator_labels_are_used(tiny_data: Path, tmp_path: Path) -> None:
    labels = tmp_path / "moderation.csv"
    labels.write_text("text,spam,toxicity,site\nbuy cheap watches here,1,,blog\n"
                      "lovely post,0,0,blog\nyou absolute clown,,1,forum\n")  # fmt: skip
    metadata = train_to(tiny_data, tmp_path / "m", seed=1, extra_labels=(labels,))
    assert metadata["data"]["moderator:moderation.csv"]["rows"] == 3
    # The model card says whose moderators it learned from.
    assert metadata["moderator_labels"] == {"sites": {"blog": 2, "forum": 1}, "rows": 3}
    probs = load_classifier(tmp_path / "m").probabilities(["buy cheap watches here"])
    assert np.all((probs >= 0) & (probs <= 1))


def test_real_sources_load_clean(training_data: Path) -> None:
    """On the real data: row counts of each SOURCE.md, and no collection markup left."""
    examples, manifest = load_all(training_data)
    rows = {name: entry["rows"] for name, entry in manifest.items()}
    assert rows == {"youtube": 1586, "youtube_extra": 596, "sms": 5574, "jigsaw": 9970,
                    "davidson": 24783, "olid": 13240, "stormfront": 9434, "civil": 16014,
                    "kaggle_insults": 6474, "hateval": 9702, "ruddit": 4461,
                    "wiki_toxicity": 1481, "wiki_cat": 19883}  # fmt: skip
    texts = {name: [e.text for e in examples if e.source == name] for name in rows}
    # Every comment of a toxicity source is also a non-spam example.
    assert all(e.labels.get("spam") == 0 for e in examples if e.source == "wiki_cat")
    assert not any("NEWLINE_TOKEN" in t or "(UTC)" in t for t in texts["wiki_toxicity"])
    assert not any("&amp;" in t or "RT @" in t or "http" in t for t in texts["davidson"])
    assert not any("@USER" in t or " URL" in t for t in texts["olid"])
    assert not any(" n't" in t or " ." in t for t in texts["stormfront"])
    videos = {e.group for e in examples if e.source == "youtube"}
    assert {"01-Psy", "02-KatyPerry", "03-LMFAO", "04-Eminem"} < videos and len(videos) == 7
