"""Fixtures for the classifier and the model rollout: a tiny data folder written here, a model
trained on it, and the committed artifact."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from models import Classifier, load_classifier
from models.build import train_to
from models.sources import SOURCES

REPO = Path(__file__).resolve().parents[2]
INSULTS = ["idiot", "moron", "stupid loser", "pathetic clown", "worthless fool", "dumb jerk"]
TOPICS = ["article", "edit", "source", "song", "video", "photo", "history section", "map"]
LINKS = ["www.cheap-pills.com", "bit.ly/win", "free-prizes.net", "http://getrich.biz/now"]


def toxic(i: int) -> str:
    insult = INSULTS[i % len(INSULTS)]
    forms = [f"you are a {insult}", f"shut up you {insult}", f"what a {insult} you are, get lost"]
    return forms[i % 3] + f" #{i}"


def clean(i: int) -> str:
    topic = TOPICS[i % len(TOPICS)]
    forms = [f"thanks for the {topic}", f"I really like this {topic}", f"the {topic} was useful"]
    return forms[i % 3] + f" #{i}"


def spam(i: int) -> str:
    link = LINKS[i % len(LINKS)]
    forms = [f"check out my channel {link}", f"subscribe and win a prize {link}",
             f"free money, visit {link} or call 555-0199-{i:03d}"]  # fmt: skip
    return forms[i % 3]


def ham(i: int) -> str:
    return ["this song is great", "love the chorus", "best video ever"][i % 3] + f" {i}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_tiny_data(root: Path, n: int = 24) -> Path:
    """Every source in its own column layout and markup, n rows each, half positive."""
    files = {name: root / relative for name, (relative, _) in SOURCES.items()}
    videos = ["01-A", "02-B", "03-C", "04-D"]
    yt = [[spam(i) if i % 2 else ham(i), i % 2, videos[i % 4], f"c{i}"] for i in range(n * 2)]
    _write(files["youtube"], ["text", "label", "video", "comment_id"], yt)
    _write(
        files["sms"],
        ["text", "label"],
        [[spam(i + 7) if i % 2 else ham(i), i % 2] for i in range(n)],
    )
    jig = [
        [f"id{i}", toxic(i) if i % 2 else clean(i), i % 2, 0, int(i % 4 == 1), 0, i % 2, 0]
        for i in range(n)
    ]
    jigsaw_header = ["id", "text", "toxic", "severe_toxic", "obscene", "threat", "insult"]
    _write(files["jigsaw"], [*jigsaw_header, "identity_hate"], jig)
    dav = [[f"RT @user{i}: {toxic(i) if i % 2 else clean(i)} &amp; more", 2 - i % 2, "x", i % 2]
           for i in range(n)]  # fmt: skip
    _write(files["davidson"], ["text", "class", "class_name", "toxic"], dav)
    olid = [[f"@USER {toxic(i) if i % 2 else clean(i)} URL", "OFF" if i % 2 else "NOT", i % 2]
            for i in range(n)]  # fmt: skip
    _write(files["olid"], ["text", "subtask_a", "toxic"], olid)
    storm = [[(toxic(i) if i % 2 else clean(i)) + " , do n't you ?", "x", i % 2, i // 2]
             for i in range(n)] + [["ambiguous sentence", "relation", -1, 999]]  # fmt: skip
    _write(files["stormfront"], ["text", "label", "toxic", "post_id"], storm)
    return root


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("artifacts") / "tiny-1"
    train_to(tiny_data, out, seed=7)
    return out


@pytest.fixture(scope="session")
def tiny_classifier(tiny_model_dir: Path) -> Classifier:
    return load_classifier(tiny_model_dir)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The committed default artifact."""
    return load_classifier()
