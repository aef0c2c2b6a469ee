"""Feature extraction shared by training and serving: hashed word and char n-grams plus signals."""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from models import signals
from models.normalize import Normalized

# Hashing keeps the vocabulary out of the artifact; only the buckets seen in training are kept.
BITS = 22
# Bump whenever n-gram extraction or hashing changes: old artifacts then refuse to load.
HASHING = "crc32-words/polymix-chars-v2/link-placeholders"
CHAR_RANGE = (2, 5)
WORD = re.compile(r"\w+")
_MASK = 2**BITS - 1
_PRIME = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SHIFT, _TOP = np.uint64(33), np.uint64(64 - BITS)


Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Hits:
    """Every n-gram occurrence of a batch: the document it is in and its hash bucket."""

    word_docs: np.ndarray
    word_buckets: np.ndarray
    char_docs: np.ndarray
    char_buckets: np.ndarray
    dense: np.ndarray  # (n_docs, len(signals.NAMES))

    @classmethod
    def of(cls, docs: Sequence[Normalized]) -> Hits:
        texts = [d.text for d in docs]
        word_docs, word_buckets = word_hits(texts)
        char_docs, char_buckets, _, _ = char_positions(texts)
        return cls(word_docs, word_buckets, char_docs, char_buckets, signals.extract(docs))

    def select(self, rows: np.ndarray) -> Hits:
        """The hits of documents `rows`, renumbered 0.. in that order."""
        renumber = np.full(len(self.dense), -1, dtype=np.int64)
        renumber[rows] = np.arange(len(rows))
        w, c = renumber[self.word_docs], renumber[self.char_docs]
        return Hits(w[w >= 0], self.word_buckets[w >= 0], c[c >= 0], self.char_buckets[c >= 0],
                    self.dense[rows])  # fmt: skip


def word_grams(text: str) -> list[str]:
    """Word unigrams and bigrams; bigrams carry a separator no unigram can contain."""
    words = WORD.findall(text)
    return words + [f"{a}\x00{b}" for a, b in itertools.pairwise(words)]


def word_bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8", "replace")) & _MASK


def word_hits(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    grams = [word_grams(t) for t in texts]
    docs = np.repeat(np.arange(len(texts)), [len(g) for g in grams])
    crc = zlib.crc32
    hashes = [crc(g.encode("utf-8", "replace")) for g in itertools.chain.from_iterable(grams)]
    return docs, np.array(hashes, dtype=np.int64) & _MASK


def char_positions(texts: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Every char n-gram of the space-padded texts: document, bucket, start in padded text, n."""
    padded = [f" {t} " for t in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    # A vectorised polynomial hash: Python-level n-gram strings were the serving bottleneck.
    codes = np.frombuffer("".join(padded).encode("utf-32-le", "replace"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    starts = np.cumsum(lengths) - lengths
    doc = np.repeat(np.arange(len(texts)), lengths)
    local = np.arange(len(codes)) - starts[doc]
    room = lengths[doc] - local  # characters left in the document from each position
    docs, buckets, positions, sizes, rolling = [], [], [], [], codes
    for n in range(2, CHAR_RANGE[1] + 1):
        rolling = rolling[:-1] * _PRIME + codes[n - 1 :]
        valid = np.flatnonzero(room[: len(rolling)] >= n)
        if n < CHAR_RANGE[0]:
            continue
        mixed = rolling[valid] ^ np.uint64(n)
        mixed ^= mixed >> _SHIFT
        mixed *= _MIX
        mixed ^= mixed >> _SHIFT
        buckets.append((mixed >> _TOP).astype(np.int64))
        docs.append(doc[valid])
        positions.append(local[valid])
        sizes.append(np.full(len(valid), n))
    return tuple(np.concatenate(a) for a in (docs, buckets, positions, sizes))


def count_pairs(docs: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (doc, id) pairs, sorted by doc, with how often each occurs."""
    keys = np.sort(docs.astype(np.int64) << 32 | ids, kind="stable")
    change = np.empty(len(keys), dtype=bool)
    change[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    first = np.flatnonzero(change)
    counts = np.diff(np.append(first, len(keys)))
    unique = keys[first]
    return unique >> 32, unique & 0xFFFFFFFF, counts


@dataclass(frozen=True)
class Block:
    """Buckets kept for one n-gram family and their inverse document frequencies."""

    buckets: np.ndarray  # sorted int64 bucket ids
    idf: np.ndarray  # float32, one per kept bucket
    table: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = np.full(2**BITS, -1, dtype=np.int32)
        table[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)
        object.__setattr__(self, "table", table)

    @classmethod
    def fit(cls, docs: np.ndarray, buckets: np.ndarray, n_docs: int, min_df: int,
            max_features: int) -> Block:  # fmt: skip
        _, distinct, _ = count_pairs(docs, buckets)
        df = np.bincount(distinct, minlength=2**BITS)
        candidates = np.flatnonzero(df >= min_df)
        if len(candidates) > max_features:
            order = np.argsort(-df[candidates], kind="stable")[:max_features]
            candidates = np.sort(candidates[order])
        idf = np.log((1 + n_docs) / (1 + df[candidates])) + 1.0
        return cls(candidates.astype(np.int64), idf.astype(np.float32))


@dataclass(frozen=True)
class Featurizer:
    """Word block, char block (sublinear tf-idf, each L2-normalised), then the signal block."""

    word: Block
    char: Block

    @property
    def n_features(self) -> int:
        return len(self.word.buckets) + len(self.char.buckets) + len(signals.NAMES)

    @classmethod
    def fit(cls, hits: Hits, max_word: int, max_char: int) -> Featurizer:
        n = len(hits.dense)
        return cls(Block.fit(hits.word_docs, hits.word_buckets, n, 2, max_word),
                   Block.fit(hits.char_docs, hits.char_buckets, n, 3, max_char))  # fmt: skip

    def entries(self, hits: Hits) -> Entries:
        """Non-zero (row, column, value) of the n-gram columns, sorted by row then column."""
        n_word, n_docs = len(self.word.buckets), len(hits.dense)
        word_cols = self.word.table[hits.word_buckets]
        char_cols = self.char.table[hits.char_buckets]
        docs = np.concatenate([hits.word_docs[word_cols >= 0], hits.char_docs[char_cols >= 0]])
        cols = np.concatenate([word_cols[word_cols >= 0], char_cols[char_cols >= 0] + n_word])
        rows, cols, counts = count_pairs(docs, cols.astype(np.int64))
        idf = np.concatenate([self.word.idf, self.char.idf])
        values = (1.0 + np.log(counts)) * idf[cols]
        segment = rows * 2 + (cols >= n_word)
        norms = np.sqrt(np.bincount(segment, weights=values * values, minlength=2 * n_docs))
        return rows, cols, values / norms[segment]

    def matrix(self, hits: Hits) -> sp.csr_matrix:
        """The full feature matrix: n-gram entries, then the signal columns."""
        rows, cols, values = self.entries(hits)
        n_grams = len(self.word.buckets) + len(self.char.buckets)
        shape = (len(hits.dense), n_grams)
        ngrams = sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)
        return sp.hstack([ngrams, sp.csr_matrix(hits.dense)], format="csr", dtype=np.float32)
