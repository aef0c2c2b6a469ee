"""Loading refuses artifacts it cannot trust: other scikit-learn, tampered, unknown types."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import skops.io as sio

from models import ArtifactError, load_classifier
from models.artifact import METADATA_FILE, MODEL_FILE, sha256_file


@pytest.fixture
def copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "copy"))


def _edit_metadata(directory: Path, **changes: object) -> None:
    path = directory / METADATA_FILE
    metadata = json.loads(path.read_text())
    for key, value in changes.items():
        metadata[key] = value
    path.write_text(json.dumps(metadata))


def test_the_copy_loads(copy: Path) -> None:
    assert load_classifier(copy).version == "tiny-1"


def test_other_scikit_learn_version_is_refused(copy: Path) -> None:
    metadata = json.loads((copy / METADATA_FILE).read_text())
    _edit_metadata(copy, libraries={**metadata["libraries"], "scikit-learn": "1.0.2"})
    with pytest.raises(ArtifactError, match=r"trained with scikit-learn 1\.0\.2"):
        load_classifier(copy)


def test_tampered_model_file_is_refused(copy: Path) -> None:
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match the SHA-256"):
        load_classifier(copy)


def test_untrusted_types_are_refused_even_with_a_matching_hash(copy: Path) -> None:
    sio.dump({"labels": ["spam"], "payload": Fraction(1, 3)}, copy / MODEL_FILE)
    _edit_metadata(copy, artifact={"file": MODEL_FILE, "sha256": sha256_file(copy / MODEL_FILE)})
    with pytest.raises(ArtifactError, match=r"untrusted types \['fractions.Fraction'\]"):
        load_classifier(copy)


def test_not_a_skops_file_is_refused(copy: Path) -> None:
    (copy / MODEL_FILE).write_bytes(b"not a zip")
    _edit_metadata(copy, artifact={"file": MODEL_FILE, "sha256": sha256_file(copy / MODEL_FILE)})
    with pytest.raises(ArtifactError, match="not a readable skops file"):
        load_classifier(copy)


def test_missing_artifact_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a Sieve model artifact"):
        load_classifier(tmp_path)


def test_metadata_records_what_the_issue_asks(tiny_model_dir: Path) -> None:
    metadata = json.loads((tiny_model_dir / METADATA_FILE).read_text())
    for key in ("version", "data", "validation", "thresholds", "libraries", "seed",
                "created_at", "training_seconds", "artifact"):  # fmt: skip
        assert key in metadata
    assert set(metadata["data"]) == {"youtube", "sms", "jigsaw", "davidson", "olid", "stormfront"}
    assert all(len(d["sha256"]) == 64 for d in metadata["data"].values())


def test_a_model_whose_scores_are_not_those_its_card_recorded_is_refused(copy: Path) -> None:
    """Another model's file beside this card (hash included) fails the card's own checks."""
    metadata = json.loads((copy / METADATA_FILE).read_text())
    assert metadata["checks"], "training records probe scores in the model card"
    metadata["checks"][1]["scores"]["toxicity"] = round(
        1 - metadata["checks"][1]["scores"]["toxicity"], 6
    )
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ArtifactError, match=r"fails its own checks: toxicity of .* recorded"):
        load_classifier(copy)


def test_a_card_that_lists_other_labels_or_no_version_is_refused(copy: Path) -> None:
    _edit_metadata(copy, labels=["toxicity"], version="")
    with pytest.raises(ArtifactError) as refused:
        load_classifier(copy)
    assert "names no version" in str(refused.value)
    assert "lists labels ['toxicity']" in str(refused.value)


def test_the_committed_model_passes_its_own_checks() -> None:
    classifier = load_classifier()
    assert len(classifier.metadata["checks"]) >= 5
