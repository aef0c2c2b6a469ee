"""Serving-time normalisation that undoes common evasion and maps back to the original text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from models import patterns

# Longer texts are judged on their beginning: it bounds the cost of one request.
MAX_CHARS = 20_000

_ZERO_WIDTH = set("\u00ad\u034f\u061c\u115f\u1160\u180e\u200b\u200c\u200d\u200e\u200f\u2060")
_ZERO_WIDTH |= set("\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f\ufeff")
_EXTRA_FOLD = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "\u0131": "i",
}  # dotless i
# Cyrillic and Greek letters that look like Latin ones, applied only inside mixed-script words.
_HOMOGLYPH_CHARS = "асеорухіјѕԁһԛԝкмтвнгαονρτικυχεηζβμ"
_HOMOGLYPHS = str.maketrans(_HOMOGLYPH_CHARS, "aceopyxijsdhqwkmtbhraovptikuxenzbu")
_MIXED_WORD = re.compile(rf"\w*[{_HOMOGLYPH_CHARS}]\w*")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l"})  # fmt: skip
_LEET_WORD = re.compile(
    r"(?<![\w@.$])(?=[a-z0-9@$!|]*[013457@$!|])(?=[a-z0-9@$!|]*[a-z])[a-z0-9$][a-z0-9@$!|]*[a-z0-9$]"
)
# Numbers with a unit or suffix ("2nd", "4u", "mp3", "user123") are words, not leetspeak.
_NOT_LEET = re.compile(r"[a-z]+\d+|\d+[a-z]{1,3}|[\d$]+")
_LEET_CHARS = re.compile(r"[013457@$!|]")
_SPACED = re.compile(r"(?<![\w.*-])[a-z](?:[ ._*-]{1,3}[a-z]){2,}(?![\w*])")
_SPACES = re.compile(r"\s{2,}|[^\S ]")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_DISGUISED_DOT = re.compile(
    r"\b([a-z0-9-]{2,})(\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+|\s+\.\s*|\.\s+)"
    r"(com|net|org|ly|io|info|biz|ru|xyz|tk|gl|me|tv|co\.uk)(?![a-z])"
)


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in the text: its normalised URL and where its placeholder stands."""

    url: str
    start: int
    end: int

    @property
    def domain(self) -> str:
        return patterns.domain_of(self.url)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, per character, the index of the original character it came from."""

    text: str
    original: str
    offsets: list[int] | None  # None when every character maps to itself
    links: tuple[Link, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        if self.offsets is None:
            return start, end
        o_start = self.offsets[start]
        o_end = self.offsets[end] if end < len(self.offsets) else len(self.original)
        while o_end > o_start + 1 and (
            self.original[o_end - 1].isspace() or self.original[o_end - 1] in _ZERO_WIDTH
        ):
            o_end -= 1
        return o_start, max(o_end, o_start + 1)


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    if char in _ZERO_WIDTH or "\ud800" <= char <= "\udfff":
        return ""
    if char in _EXTRA_FOLD:
        return _EXTRA_FOLD[char]
    decomposed = unicodedata.normalize("NFKD", char)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(_EXTRA_FOLD.get(c, c) for c in folded)


def _fold(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text.lower(), None
    pieces, offsets = [], []
    for i, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        offsets.extend([i] * len(folded))
    folded_text = "".join(pieces)
    if len(offsets) == len(text) and offsets[-1] == len(text) - 1:
        return folded_text, None
    return folded_text, offsets


Edit = Callable[[re.Match[str]], tuple[str, list[int]] | None]


def _rewrite(
    text: str, offsets: list[int] | None, pattern: re.Pattern[str], edit: Edit
) -> tuple[str, list[int] | None]:
    """Apply `edit` to each match: it gives new text and, per new char, its index in the match."""
    pieces: list[str] = []
    new_offsets: list[int] = []
    base = offsets if offsets is not None else range(len(text))
    last = 0
    for match in pattern.finditer(text):
        result = edit(match)
        if result is None:
            continue
        replacement, local = result
        pieces.append(text[last : match.start()])
        new_offsets.extend(base[last : match.start()])
        pieces.append(replacement)
        new_offsets.extend(base[match.start() + i] for i in local)
        last = match.end()
    if not pieces:
        return text, offsets
    pieces.append(text[last:])
    new_offsets.extend(base[last:])
    return "".join(pieces), new_offsets


def _translate_match(match: re.Match[str], table: dict[int, str]) -> tuple[str, list[int]] | None:
    word = match.group()
    mapped = word.translate(table)
    return (mapped, list(range(len(word)))) if mapped != word else None


def _homoglyph(match: re.Match[str]) -> tuple[str, list[int]] | None:
    word = match.group()
    # A word written in another script is left alone; mixed or all-look-alike words are disguises.
    mixed = any("a" <= c <= "z" for c in word)
    if not mixed and any(c.isalpha() and c not in _HOMOGLYPH_CHARS for c in word):
        return None
    return _translate_match(match, _HOMOGLYPHS)


def _leet(match: re.Match[str]) -> tuple[str, list[int]] | None:
    word = match.group()
    if _NOT_LEET.fullmatch(word) or not _LEET_CHARS.search(word):
        return None
    if not any("a" <= c <= "z" for c in word):
        return None
    return _translate_match(match, _LEET)


def _spaced(match: re.Match[str]) -> tuple[str, list[int]]:
    letters = [(i, c) for i, c in enumerate(match.group()) if "a" <= c <= "z"]
    if len(letters) > 3 and letters[0][1] == "a" and match.group()[1] == " ":
        # "a f u c k" is the word "a" before a spaced-out one, not "afuck".
        rest = letters[1:]
        return "".join([letters[0][1], " ", *(c for _, c in rest)]), [0, 1, *(i for i, _ in rest)]
    return "".join(c for _, c in letters), [i for i, _ in letters]


def _stretched(match: re.Match[str]) -> tuple[str, list[int]] | None:
    return None if match.group() == "www" else (match.group(1), [0])


def _disguised_dot(match: re.Match[str]) -> tuple[str, list[int]]:
    name, sep, tld = match.group(1), match.group(2), match.group(3)
    after = len(name) + len(sep)
    local = [*range(len(name)), len(name), *range(after, after + len(tld))]
    return f"{name}.{tld}", local


def normalize(text: str) -> Normalized:
    """Fold case, accents, look-alikes, leetspeak, stretched and spaced letters, disguised dots."""
    original = text[:MAX_CHARS]
    folded, offsets = _fold(original)
    if not folded.isascii():
        folded, offsets = _rewrite(folded, offsets, _MIXED_WORD, _homoglyph)
    folded, offsets = _rewrite(folded, offsets, _DISGUISED_DOT, _disguised_dot)
    folded, offsets = _rewrite(folded, offsets, _SPACED, _spaced)
    if _LEET_WORD.search(folded):
        links = [m.span() for m in patterns.URL_OR_EMAIL.finditer(folded)]
        folded, offsets = _rewrite(
            folded,
            offsets,
            _LEET_WORD,
            lambda m: None if any(s <= m.start() < e for s, e in links) else _leet(m),
        )
    folded, offsets = _rewrite(folded, offsets, _STRETCHED, _stretched)
    if not folded.isspace() and _SPACES.search(folded):
        folded, offsets = _rewrite(folded, offsets, _SPACES, lambda m: (" ", [0]))
    return Normalized(folded, original, offsets)


# What a link becomes in the text the n-grams are taken from: the model learns "a link" and "a
# citation" rather than the substrings of the URLs it was trained on (a video's spam domains, a
# wiki's own links), which do not carry over to another site. The URLs themselves stay in
# ``links`` for the link signals.
LINK_WORD = "xlinkx"
REFERENCE_WORD = "xreflinkx"


def prepare(text: str) -> Normalized:
    """normalize(), then every link replaced by a placeholder word: what the model reads."""
    doc = normalize(text)
    folded = doc.text
    if not patterns.LINK_HINT.search(folded):
        return doc
    links: list[Link] = []
    shift = 0  # how much earlier placeholders moved the text so far

    def placeholder(match: re.Match[str]) -> tuple[str, list[int]] | None:
        nonlocal shift
        found = match.group()
        if "@" in found:  # an e-mail address: a contact detail, not a link
            return None
        word = REFERENCE_WORD if patterns.is_reference(patterns.domain_of(found)) else LINK_WORD
        start = match.start() + shift
        links.append(Link(found, start, start + len(word)))
        shift += len(word) - len(found)
        # Each placeholder character maps into the URL, the last one to its end, so that a span
        # over the placeholder maps back to the whole URL.
        local = [min(i, len(found) - 1) for i in range(len(word) - 1)] + [len(found) - 1]
        return word, local

    text, offsets = _rewrite(folded, doc.offsets, patterns.URL_OR_EMAIL, placeholder)
    if not links:
        return doc
    return Normalized(text, doc.original, offsets, tuple(links))
