"""Normalisation defeats evasion and keeps offsets that point back into the original text."""

from __future__ import annotations

import pytest

from models.normalize import MAX_CHARS, normalize, prepare


@pytest.mark.parametrize(
    ("evasive", "plain"),
    [
        ("You are STUPID", "you are stupid"),
        ("stuuuuupid", "stupid"),
        ("1d10t", "idiot"),
        ("sh1t", "shit"),
        ("a$$hole", "asshole"),
        ("b!tch please", "bitch please"),
        ("f u c k you", "fuck you"),
        ("f.u.c.k off", "fuck off"),
        ("id\u200biot", "idiot"),  # zero-width space
        ("i\u00addiot", "idiot"),  # soft hyphen
        ("\u0456d\u0456ot", "idiot"),  # Cyrillic i
        ("\u0455h\u0456t", "shit"),  # Cyrillic s and i
        ("\uff46\uff55\uff43\uff4b", "fuck"),  # full-width letters
        ("f\u00fcck", "fuck"),  # accent
        ("\U0001d41f\U0001d42e\U0001d41c\U0001d424", "fuck"),  # mathematical bold
        ("visit example dot com", "visit example.com"),
        ("go to bit . ly/x now", "go to bit.ly/x now"),
        ("see spam(dot)net today", "see spam.net today"),
        ("a  lot\tof\n\nspace", "a lot of space"),
    ],
)
def test_evasion_is_undone(evasive: str, plain: str) -> None:
    assert normalize(evasive).text == plain


@pytest.mark.parametrize(
    "text",
    ["I came 2nd with 4 points", "mp3 and user123", "Привет мир", "www.example.com", "hello!"],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("You are a STUUUPID 1d10t!", "stupid", "STUUUPID"),
        ("You are a STUUUPID 1d10t!", "idiot", "1d10t"),
        ("well f u c k you", "fuck", "f u c k"),
        ("an id\u200biot here", "idiot", "id\u200biot"),
        (
            "😀 \uff33\uff54\uff55\uff50\uff49\uff44 😀",
            "stupid",
            "\uff33\uff54\uff55\uff50\uff49\uff44",
        ),
        ("go to example dot com now", "example.com", "example dot com"),
    ],
)
def test_spans_map_back_to_the_original(text: str, word: str, original: str) -> None:
    doc = normalize(text)
    start = doc.text.index(word)
    o_start, o_end = doc.span(start, start + len(word))
    assert text[o_start:o_end] == original


@pytest.mark.parametrize(
    "text",
    ["", " ", "\ud800", "a\udfffb", "😀" * 50, "\u200b" * 10, "ǅ İ ß ﬁ", "x" * 200_000, "\x00\x01"],
)
def test_any_string_normalises(text: str) -> None:
    doc = normalize(text)
    assert len(doc.original) <= MAX_CHARS
    if doc.offsets is not None:
        assert len(doc.offsets) == len(doc.text)
        assert all(0 <= o < len(doc.original) for o in doc.offsets)


@pytest.mark.parametrize(
    ("text", "words", "urls"),
    [
        ("see https://www.bbc.co.uk/news/x and bit.ly/zz now", ["xreflinkx", "xlinkx"],
         ["https://www.bbc.co.uk/news/x", "bit.ly/zz"]),
        ("visit Example DOT com today", ["xlinkx"], ["Example DOT com"]),
        ("(source: https://en.wikipedia.org/wiki/Census).", ["xreflinkx"],
         ["https://en.wikipedia.org/wiki/Census"]),
        ("mail bob@mail.example.com, not a link", [], []),
        ("😀 see \U0001d41b\U0001d422\U0001d42d.\U0001d425\U0001d432/abc", ["xlinkx"],
         ["\U0001d41b\U0001d422\U0001d42d.\U0001d425\U0001d432/abc"]),
    ],
)  # fmt: skip
def test_the_model_reads_a_link_as_a_placeholder(text: str, words, urls) -> None:
    doc = prepare(text)
    assert [doc.text[link.start : link.end] for link in doc.links] == words
    assert [text[slice(*doc.span(link.start, link.end))] for link in doc.links] == urls
    assert prepare("no links here").links == ()
