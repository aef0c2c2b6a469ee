"""Reasons: the words whose features raised a label's score most, as offsets into the original."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np

from models import features, signals
from models.judgement import CODES, Reason
from models.linear import LinearModel
from models.normalize import Normalized

MAX_REASONS = 3
# Tokens adding less than this (in log-odds, or relative to the strongest) are not reasons.
MIN_WEIGHT = 0.5
MIN_SHARE_OF_TOP = 0.15
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}<>«»“”\u2018\u2019…"
_SIGNALS = {
    "LINKS": [signals.NAMES.index(n) for n in ("links", "link_shortener", "link_domains")],
    "CONTACT": [signals.NAMES.index(n) for n in ("emails", "phones", "messaging")],
    "PROMOTION": [signals.NAMES.index("promotion")],
}
_LENGTH = signals.NAMES.index("length")
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


def explain_batch(
    docs: Sequence[Normalized], entries: Entries, model: LinearModel, raised: list[list[int]]
) -> list[tuple[Reason, ...]]:
    """Reasons for each document's raised labels (label indices), from one batch's features."""
    out: list[tuple[Reason, ...]] = [() for _ in docs]
    todo = [i for i, labels in enumerate(raised) if labels and docs[i].text.strip()]
    if not todo:
        return out
    rows, cols, values = entries
    bounds = np.searchsorted(rows, np.array(todo), side="left")
    ends = np.searchsorted(rows, np.array(todo), side="right")
    c_docs, c_buckets, c_pos, c_size = features.char_positions([docs[i].text for i in todo])
    order = np.argsort(c_docs, kind="stable")
    c_bounds = np.searchsorted(c_docs[order], np.arange(len(todo) + 1))
    for k, i in enumerate(todo):
        picked = order[c_bounds[k] : c_bounds[k + 1]]
        chars = (c_buckets[picked], c_pos[picked], c_size[picked])
        own = (cols[bounds[k] : ends[k]], values[bounds[k] : ends[k]])
        out[i] = _reasons(docs[i], own, chars, model, raised[i])
    return out


def _occurrences(doc: Normalized, chars: tuple, model: LinearModel) -> tuple[np.ndarray, ...]:
    """Column, start and end (in normalised text) of every n-gram occurrence that is a feature."""
    words = [(m.group(), m.start(), m.end()) for m in features.WORD.finditer(doc.text)]
    grams = [w for w, _, _ in words] + [f"{a[0]}\x00{b[0]}" for a, b in itertools.pairwise(words)]
    spans = [(s, e) for _, s, e in words] + [(a[1], b[2]) for a, b in itertools.pairwise(words)]
    word_cols = model.featurizer.word.table[[features.word_bucket(g) for g in grams]]
    buckets, positions, sizes = chars
    char_cols = model.featurizer.char.table[buckets]
    char_cols = np.where(char_cols >= 0, char_cols + len(model.featurizer.word.buckets), -1)
    # Position 0 of the padded text is the leading space: shift back by one and clip.
    starts = np.concatenate([np.array([s for s, _ in spans], dtype=np.int64), positions - 1])
    stops = np.concatenate([np.array([e for _, e in spans], dtype=np.int64), positions - 1 + sizes])
    cols = np.concatenate([word_cols.astype(np.int64), char_cols])
    keep = cols >= 0
    size = len(doc.text)
    return cols[keep], np.clip(starts[keep], 0, size), np.clip(stops[keep], 0, size)


def _reasons(doc: Normalized, own: tuple, chars: tuple, model: LinearModel, raised: list[int]):
    own_cols, own_values = own
    cols, starts, stops = _occurrences(doc, chars, model)
    at = np.minimum(np.searchsorted(own_cols, cols), max(len(own_cols) - 1, 0))
    found = own_cols[at] == cols if len(own_cols) else np.zeros(len(cols), bool)
    cols, starts, stops, at = cols[found], starts[found], stops[found], at[found]
    # A feature seen k times shares its contribution (value x weight) between its k occurrences.
    share = own_values[at] / np.bincount(at, minlength=len(own_cols))[at]
    size = len(doc.text)
    spans = [m.span() for m in _TOKEN.finditer(doc.text)]
    tokens = [_trim(doc.text, *span) for span in spans]
    t_start = np.array([s for s, _ in tokens], dtype=np.int64)
    t_end = np.array([e for _, e in tokens], dtype=np.int64)
    # Only n-grams inside one token count towards it: a bigram or a char n-gram across a space
    # ("piece of", "a tra") would otherwise lend the neighbouring word the label's weight.
    # (The spaces around a token belong to it: " trash " is that word's own n-gram.)
    raw_start = np.array([s for s, _ in spans] or [0], dtype=np.int64)
    raw_end = np.array([e for _, e in spans] or [0], dtype=np.int64)
    owner = np.maximum(np.searchsorted(raw_start, starts + 1, side="right") - 1, 0)
    inside = (starts >= raw_start[owner] - 1) & (stops <= raw_end[owner] + 1)
    cols, starts, stops, share = cols[inside], starts[inside], stops[inside], share[inside]
    contributions = share[:, None] * model.coef[cols][:, raised].astype(np.float64)
    width = np.maximum(stops - starts, 1)
    found_reasons: list[Reason] = []
    for j, label in enumerate(raised):
        per_char = contributions[:, j] / width
        delta = np.bincount(starts, per_char, size + 1) - np.bincount(stops, per_char, size + 1)
        prefix = np.r_[0.0, np.cumsum(np.cumsum(delta)[:size])]
        weights = prefix[t_end] - prefix[t_start]
        name = model.labels[label]
        candidates = [(CODES[name], int(s), int(e), float(w))
                      for s, e, w in zip(t_start, t_end, weights, strict=True)]  # fmt: skip
        if name == "spam":
            candidates = _recode(candidates, _signal_spans(doc, model, label))
        best = sorted(candidates, key=lambda c: -c[3])[:MAX_REASONS]
        floor = max(MIN_WEIGHT, MIN_SHARE_OF_TOP * best[0][3]) if best else 0.0
        if name == "spam" and (not best or best[0][3] < MIN_WEIGHT):
            # No word stands out: show the words that did add, and say so when it was length.
            floor = max(1e-4, MIN_SHARE_OF_TOP * best[0][3]) if best else 1e-4
            if (weight := _length_weight(doc, model, label)) > 1e-4:
                found_reasons.append(Reason(name, "LENGTH", "", 0, 0, round(weight, 4)))
        for code, start, end, weight in (c for c in best if c[3] >= floor):
            o_start, o_end = doc.span(start, end)
            text = doc.original[o_start:o_end]
            found_reasons.append(Reason(name, code, text, o_start, o_end, round(weight, 4)))
    return tuple(found_reasons)


def _signal_spans(doc: Normalized, model: LinearModel, label: int) -> list[tuple]:
    """LINKS and CONTACT spans with the weight their dense signals add to `label`."""
    base = model.featurizer.n_features - len(signals.NAMES)
    values = signals.extract([doc])[0]
    found = []
    for code, spans in (
        ("LINKS", signals.link_spans(doc)),
        ("CONTACT", signals.contact_spans(doc.text)),
        ("PROMOTION", signals.promotion_spans(doc.text)),
    ):
        ids = _SIGNALS[code]
        weight = sum(float(values[i]) * float(model.coef[base + i, label]) for i in ids)
        found += [(code, s, e, weight / len(spans)) for s, e in spans if weight > 0]
    return found


def _length_weight(doc: Normalized, model: LinearModel, label: int) -> float:
    """What the length signal adds to ``label`` (log-odds)."""
    base = model.featurizer.n_features - len(signals.NAMES)
    value = float(signals.extract([doc])[0][_LENGTH])
    return value * float(model.coef[base + _LENGTH, label])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding punctuation from a token ("idiot!" -> "idiot"), unless it is all of it."""
    while end - start > 1 and text[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    while end - start > 1 and text[start] in _EDGE_PUNCTUATION:
        start += 1
    return start, end


def _recode(tokens: list, spans: list) -> list:
    """Tokens inside a link or contact span take its code and add its signal weight."""
    out = []
    for code, start, end, weight in tokens:
        for signal_code, s, e, extra in spans:
            if s < end and start < e:
                code, weight = signal_code, weight + extra
                break
        out.append((code, start, end, weight))
    return out
