"""Command line: `sieve model train`, `sieve model eval` and `sieve score`."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

import click

from models import artifact
from models.scoring import score_stream
from models.train import DEFAULT_SEED


def _next_version(root: Path) -> Path:
    """Today's date and one more than the day's highest number present: a version removed in
    between is not named again for a different model."""
    stem = date.today().strftime("%Y.%m.%d")
    taken = [p.name.removeprefix(f"{stem}-") for p in root.glob(f"{stem}-*")]
    numbers = [int(n) for n in taken if n.isdigit()]
    return root / f"{stem}-{max(numbers, default=0) + 1}"


@click.group("model")
def model() -> None:
    """Train and evaluate the spam and toxicity classifier."""


@model.command("train")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("../shared/data"),
    show_default=True,
    help="Training data folder.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Artifact folder [default: models/artifacts/<YYYY.MM.DD>-<n>].",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--labels",
    "extra",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    multiple=True,
    help="Moderator-label CSV (text + label columns); repeatable.",
)
@click.option("--set-latest", is_flag=True, help="Point models/artifacts/LATEST at the result.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=min(2, os.cpu_count() or 1),
    show_default="2 or the cores there are",
    help="Validation folds fitted at once (each needs about 3 GB of memory).",
)
@click.option(
    "--sample",
    type=click.IntRange(50, None),
    help="At most this many rows of each source (seeded), for a quick candidate; "
    "moderator labels are always used whole.",
)
def train_command(
    data_dir: Path,
    out_dir: Path | None,
    seed: int,
    extra: tuple[Path, ...],
    set_latest: bool,
    jobs: int,
    sample: int | None,
) -> None:
    """Train on the data folder, validate on held-out splits, write model.skops + metadata.json.

    With --labels (from `sieve model export-labels`), the model card names the sites whose
    moderators' decisions it learned from. The result is a candidate: try it with `sieve model
    shadow`, compare, then `sieve model promote`.
    """
    from models.build import train_to  # training code is not needed to score

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    out_dir = out_dir or _next_version(artifact.ARTIFACTS_ROOT)
    metadata = train_to(data_dir, out_dir, seed, extra, jobs, sample)
    if set_latest:
        (out_dir.parent / "LATEST").write_text(out_dir.name + "\n", encoding="utf-8")
    figures = metadata["validation"]["metrics"]
    for label in metadata["labels"]:
        aucs = {source: per["all"]["labels"][label].get("roc_auc", float("nan"))
                for source, per in figures.items() if label in per["all"]["labels"]}  # fmt: skip
        if aucs:
            click.echo(f"{label:16} validation ROC AUC "
                       + ", ".join(f"{name}={auc:.4f}" for name, auc in aucs.items()))  # fmt: skip
    if sites := metadata["moderator_labels"]["sites"]:
        click.echo("moderator labels: " + ", ".join(f"{s} ({n})" for s, n in sites.items()))
    click.echo(f"wrote {out_dir} ({metadata['artifact']['bytes'] / 1e6:.1f} MB)")


@model.command("eval")
@click.option(
    "--data",
    "paths",
    type=click.Path(path_type=Path, exists=True),
    multiple=True,
    required=True,
    help="A data folder like ../shared/data, or a CSV with a text "
    "column and label columns; repeatable.",
)
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Artifact folder [default: the LATEST one].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_command(paths: tuple[Path, ...], model_dir: Path | None, as_json: bool) -> None:
    """ROC AUC, average precision and precision/recall/F1 at the operating thresholds."""
    from models.evaluate import evaluate, format_table

    report = evaluate(paths, model_dir)
    click.echo(json.dumps(report, indent=2) if as_json else format_table(report))


@click.command("score")
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Artifact folder [default: the LATEST one].",
)
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=256, show_default=True)
@click.option("--no-reasons", is_flag=True, help="Skip explanations (faster).")
def score(model_dir: Path | None, batch_size: int, no_reasons: bool) -> None:
    """Score JSON lines {"id"?, "text"} from stdin; one JSON line per input, in order."""
    from models import load_classifier

    classifier = load_classifier(model_dir)
    stdin, stdout = sys.stdin.buffer, sys.stdout
    for batch in score_stream(classifier, stdin, batch_size, explain=not no_reasons):
        stdout.write("".join(line + "\n" for line in batch))
        stdout.flush()
