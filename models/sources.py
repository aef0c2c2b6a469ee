"""Loaders for the training sources, each stripping its own markup so the model learns content."""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from hashlib import sha1
from pathlib import Path

SUBLABELS = ("severe_toxicity", "obscene", "threat", "insult", "identity_attack")
_JIGSAW_COLUMNS = dict(
    zip(SUBLABELS, ("severe_toxic", "obscene", "threat", "insult", "identity_hate"), strict=False)
)

_RETWEET = re.compile(r"(?:^|\s)RT\s+@\w*:?")
_MENTION = re.compile(r"@\w+")
_TWEET_URL = re.compile(r"\bhttps?\S*|\bURL\b")  # Davidson also has cut-off "http…"
_DETOKENISE = [
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)", re.IGNORECASE), r"\1"),
    (re.compile(r" ([.,!?;:%)\]])"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
]
_WIKI_SIGNATURE = re.compile(r"\d{1,2}:\d{2}, \d{1,2} \w+ \d{4} \(UTC\)|\(UTC\)")
# The Wikipedia Talk Labels export replaced line breaks and tabs by these tokens (and backticks).
_WIKI_TOKENS = re.compile(r"NEWLINE_TOKEN|TAB_TOKEN")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled training text; labels maps a label name to 0/1 for the labels it carries."""

    text: str
    source: str
    labels: dict[str, int]
    group: str = field(default="")


def _clean_tweet(text: str) -> str:
    """Drop retweet prefixes, @mentions and URLs: markup of the collection, not of toxicity."""
    text = html.unescape(html.unescape(text))
    text = _RETWEET.sub(" ", text)
    text = _MENTION.sub(" ", _TWEET_URL.sub(" ", text))
    return " ".join(text.split())


def _clean_wiki(text: str) -> str:
    return _WIKI_TOKENS.sub(" ", _WIKI_SIGNATURE.sub(" ", text)).strip()


def _detokenise(text: str) -> str:
    """Undo Stormfront's pre-tokenisation ("do n't ." -> "don't.")."""
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load_youtube(path: Path) -> list[Example]:
    return [
        Example(r["text"], "youtube", {"spam": int(r["label"])}, r["video"]) for r in _rows(path)
    ]


def load_sms(path: Path) -> list[Example]:
    return [Example(r["text"], "sms", {"spam": int(r["label"])}) for r in _rows(path)]


def load_jigsaw(path: Path) -> list[Example]:
    out = []
    for r in _rows(path):
        labels = {"toxicity": int(r["toxic"])}
        labels |= {name: int(r[column]) for name, column in _JIGSAW_COLUMNS.items()}
        out.append(Example(_clean_wiki(r["text"]), "jigsaw", labels, f"jigsaw:{r['id']}"))
    return out


def load_davidson(path: Path) -> list[Example]:
    return [
        Example(_clean_tweet(r["text"]), "davidson", {"toxicity": int(r["toxic"])})
        for r in _rows(path)
    ]


def load_olid(path: Path) -> list[Example]:
    return [
        Example(_clean_tweet(r["text"]), "olid", {"toxicity": int(r["toxic"])}) for r in _rows(path)
    ]


def load_stormfront(path: Path) -> list[Example]:
    return [
        Example(_detokenise(r["text"]), "stormfront", {"toxicity": int(r["toxic"])}, r["post_id"])
        for r in _rows(path)
        if r["toxic"] in ("0", "1")  # -1: "relation" or "idk/skip", no binary label
    ]


_CIVIL_SUBLABELS = {"insult": "insult", "obscene": "profane", "threat": "threat",
                    "identity_attack": "identity_attack"}  # fmt: skip


def load_civil(path: Path) -> list[Example]:
    """News-site comments, all pre-selected as likely toxic: toxic = 0 are hard, noisy negatives."""
    out = []
    for r in _rows(path):
        labels = {"toxicity": int(r["toxic"])}
        if labels["toxicity"]:  # span types are only meaningful on posts found toxic
            labels |= {name: int(r[column]) for name, column in _CIVIL_SUBLABELS.items()}
        out.append(Example(r["text"], "civil", labels, f"civil:{r['comment_id']}"))
    return out


def load_kaggle_insults(path: Path) -> list[Example]:
    """Insults aimed at a participant of a news or blog thread; profanity alone is labelled 0."""
    out = []
    for r in _rows(path):
        insult = int(r["insult"])
        out.append(Example(r["text"], "kaggle_insults", {"toxicity": insult, "insult": insult}))
    return out


def load_hateval(path: Path) -> list[Example]:
    """Hate against immigrants or women (tweets); a non-hate tweet may still be profane."""
    out = []
    for r in _rows(path):
        hate = int(r["hate"])
        out.append(
            Example(_clean_tweet(r["text"]), "hateval", {"toxicity": hate, "identity_attack": hate})
        )
    return out


def load_ruddit(path: Path) -> list[Example]:
    return [
        Example(r["text"], "ruddit", {"toxicity": int(r["toxic"])}, f"reddit:{r['post_id']}")
        for r in _rows(path)
        if r["toxic"] in ("0", "1")  # -1: mildly offensive, no binary label
    ]


def load_wiki_testsplit(path: Path) -> list[Example]:
    return [
        Example(_clean_wiki(r["text"]), "wiki_toxicity", {"toxicity": int(r["toxic"])}, r["rev_id"])
        for r in _rows(path)
    ]


def load_wiki_cat_large(path: Path) -> list[Example]:
    """Wikipedia talk at a ~1% toxic base rate; replies to one parent stay in one group."""
    out = []
    for r in _rows(path):
        parent = r["parent"]
        group = f"cat:{sha1(parent.encode()).hexdigest()[:16]}" if parent else f"cat:{r['id']}"
        labels = {"toxicity": int(r["toxic"])}
        out.append(Example(_clean_wiki(r["text"]), "wiki_cat", labels, group))
    return out


SOURCES: dict[str, tuple[str, Callable[[Path], list[Example]]]] = {
    "youtube": ("youtube-spam-collection/youtube_spam_train_videos01-04.csv.gz", load_youtube),
    "youtube_extra": (
        "youtube-spam-extra/youtube_spam_extra_ps4_avengers_pewdiepie.csv.gz",
        load_youtube,
    ),
    "sms": ("sms-spam-collection/sms_spam_collection.csv.gz", load_sms),
    "jigsaw": ("jigsaw-toxic-subset/jigsaw_train_subset.csv.gz", load_jigsaw),
    "davidson": ("davidson-hate-offensive/davidson_labeled_data.csv.gz", load_davidson),
    "olid": ("olid/olid_train.csv.gz", load_olid),
    "stormfront": ("stormfront-hate-speech/stormfront_sentences_train.csv.gz", load_stormfront),
    "civil": ("civil-comments-toxic-spans/civil_comments_toxic_spans.csv.gz", load_civil),
    "kaggle_insults": ("kaggle-insults/kaggle_insults_train_and_test.csv.gz", load_kaggle_insults),
    "hateval": ("hateval-2019/hateval_train_val.csv.gz", load_hateval),
    "ruddit": ("ruddit/ruddit_with_text.csv.gz", load_ruddit),
    "wiki_toxicity": (
        "wikipedia-toxicity-testsplit/wikipedia_toxicity_nonfuzzed_testset.csv.gz",
        load_wiki_testsplit,
    ),
    "wiki_cat": ("wikipedia-talk-cat-large/cat_large_gn_gc.csv.gz", load_wiki_cat_large),
}
# Sources of ordinary comments: every one of their texts, toxic or not, is also a non-spam example.
SPAM_SOURCES = frozenset({"youtube", "youtube_extra", "sms"})


def with_label(example: Example, label: str, value: int) -> Example:
    return Example(example.text, example.source, {**example.labels, label: value}, example.group)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_all(data_dir: Path) -> tuple[list[Example], dict[str, dict[str, object]]]:
    """Every source found under data_dir, plus a manifest of the files read and their hashes."""
    examples: list[Example] = []
    manifest: dict[str, dict[str, object]] = {}
    for name, (relative, loader) in SOURCES.items():
        path = data_dir / relative
        if not path.exists():
            continue
        rows = loader(path)
        if name not in SPAM_SOURCES:
            rows = [with_label(e, "spam", 0) for e in rows]
        examples.extend(rows)
        manifest[name] = {"file": relative, "sha256": sha256_of(path), "rows": len(rows)}
    if not examples:
        raise FileNotFoundError(f"no training data found under {data_dir}")
    return examples, manifest


def sample_per_source(examples: list[Example], rows: int, seed: int) -> list[Example]:
    """At most ``rows`` examples of each source, drawn at random with ``seed`` (order kept)."""
    import random

    by_source: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_source.setdefault(example.source, []).append(i)
    rng = random.Random(seed)
    kept = sorted(
        i for indexes in by_source.values()
        for i in (indexes if len(indexes) <= rows else rng.sample(indexes, rows))
    )  # fmt: skip
    return [examples[i] for i in kept]


def moderator_sites(path: Path) -> dict[str, int]:
    """How many labelled rows of each site a moderator-label CSV holds (its ``site`` column)."""
    sites: dict[str, int] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            if r.get("text"):
                slug = (r.get("site") or "").strip() or "(no site)"
                sites[slug] = sites.get(slug, 0) + 1
    return dict(sorted(sites.items()))


def load_moderator_csv(path: Path) -> list[Example]:
    """Moderator decisions: a `text` column plus any label columns (0/1; blank = unknown)."""
    from models.judgement import LABELS

    out = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            labels = {k: int(r[k]) for k in LABELS if r.get(k, "").strip() in ("0", "1")}
            if r.get("text") and labels:
                out.append(Example(r["text"], "moderator", labels))
    return out
