"""Serving and training compute the same features and scores."""

from __future__ import annotations

import numpy as np

from models.features import Hits, char_positions, word_grams
from models.normalize import normalize

TEXTS = ["you are a moron", "", "thanks for the map!!", "check out bit.ly/win", "😀 ok", "a"]


def test_serving_scores_equal_training_matrix_scores(tiny_classifier) -> None:
    model = tiny_classifier.model
    hits = Hits.of([normalize(t) for t in TEXTS])
    fast, _ = model.raw_hits(hits)
    slow = model.raw(model.featurizer.matrix(hits))
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)


def test_batch_composition_does_not_change_features(tiny_classifier) -> None:
    together = tiny_classifier.probabilities(TEXTS)
    alone = np.vstack([tiny_classifier.probabilities([t]) for t in TEXTS])
    np.testing.assert_allclose(together, alone, rtol=1e-6, atol=1e-9)


def test_char_ngrams_stay_inside_their_document() -> None:
    docs, _, positions, sizes = char_positions(["ab", "cde"])
    assert sorted(zip(docs.tolist(), positions.tolist(), sizes.tolist(), strict=True)) == [
        (0, 0, 2), (0, 0, 3), (0, 0, 4), (0, 1, 2), (0, 1, 3), (0, 2, 2),
        (1, 0, 2), (1, 0, 3), (1, 0, 4), (1, 0, 5), (1, 1, 2), (1, 1, 3), (1, 1, 4),
        (1, 2, 2), (1, 2, 3), (1, 3, 2),
    ]  # fmt: skip


def test_word_bigrams_do_not_collide_with_unigrams() -> None:
    assert word_grams("big data") == ["big", "data", "big\x00data"]
