"""Saving and loading versioned artifacts: skops with an explicit trusted-type list, plus checks."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import sklearn
import skops.io as sio

from models.linear import ArtifactError, LinearModel

ARTIFACTS_ROOT = Path(__file__).parent / "artifacts"
MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
# The state is plain containers and arrays; anything else in the file means it is not ours.
TRUSTED_TYPES = ["builtins.dict", "builtins.list", "builtins.int", "builtins.float", "builtins.str"]


def latest_dir(root: Path = ARTIFACTS_ROOT) -> Path:
    """The artifact directory named by root/LATEST (root itself when there is none)."""
    pointer = root / "LATEST"
    if not pointer.is_file():
        return root
    return root / pointer.read_text(encoding="utf-8").strip()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(model: LinearModel, metadata: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Write model.skops and metadata.json (with the model's hash and size) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    sio.dump(model.to_state(), model_path, compression=zipfile.ZIP_DEFLATED)
    metadata = {
        **metadata,
        "artifact": {"file": MODEL_FILE, "sha256": sha256_file(model_path),
                     "bytes": model_path.stat().st_size},
    }  # fmt: skip
    return write_metadata(out_dir, metadata)


def write_metadata(out_dir: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(metadata, indent=2, sort_keys=False) + "\n"
    (out_dir / METADATA_FILE).write_text(text, encoding="utf-8")
    return metadata


def read_metadata(directory: Path) -> dict[str, Any]:
    path = directory / METADATA_FILE
    if not path.is_file():
        raise ArtifactError(f"no {METADATA_FILE} in {directory}: not a Sieve model artifact")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is not valid JSON: {exc}") from exc


def load(directory: Path) -> tuple[LinearModel, dict[str, Any]]:
    """Load an artifact, refusing other scikit-learn versions, tampered files and unknown types."""
    metadata = read_metadata(directory)
    trained_with = metadata.get("libraries", {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ArtifactError(
            f"model in {directory} was trained with scikit-learn {trained_with}, but "
            f"{sklearn.__version__} is installed; install scikit-learn=={trained_with} or retrain"
        )
    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise ArtifactError(f"no {MODEL_FILE} in {directory}")
    expected = metadata.get("artifact", {}).get("sha256")
    if expected != sha256_file(model_path):
        raise ArtifactError(
            f"{model_path} does not match the SHA-256 recorded in {METADATA_FILE}: "
            "the file was modified or corrupted; refusing to load it"
        )
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except Exception as exc:  # skops raises many types on a malformed archive
        raise ArtifactError(f"{model_path} is not a readable skops file: {exc}") from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ArtifactError(f"{model_path} contains untrusted types {unexpected}; refusing to load")
    state = sio.load(model_path, trusted=TRUSTED_TYPES)
    if not isinstance(state, dict):
        raise ArtifactError(f"{model_path} does not hold a Sieve model state")
    return LinearModel.from_state(state), metadata
