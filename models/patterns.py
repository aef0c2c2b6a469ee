"""Regular expressions for links, contact details and messaging apps, on normalised text."""

from __future__ import annotations

import re

_TLD = (
    r"com|net|org|ly|io|info|biz|ru|xyz|tk|gl|me|tv|co|uk|de|fr|us|ca|in|be|cc|to|online|site|"
    r"club|top|link|shop|store|app|page"
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLD})\b(?:/[^\s<>\"')\]]*)?"
)
# Cheap test that a text may hold a URL, before the costly URL pattern runs.
LINK_HINT = re.compile(rf"\.(?:{_TLD})\b|https?://|www\.")
EMAIL = re.compile(r"\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
URL_OR_EMAIL = re.compile(f"{EMAIL.pattern}|{URL.pattern}")
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,2}\d){6,14}(?!\w)")
MESSAGING = re.compile(
    r"\b(?:whats\s?app|telegram|kik|snap\s?chat|skype|we\s?chat|viber|signal app|line id|"
    r"dm me|inbox me|text me|call me|msg me|message me|add me)\b"
)
SHORTENERS = frozenset(
    [
        "bit.ly",
        "goo.gl",
        "tinyurl.com",
        "t.co",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "adf.ly",
        "bit.do",
        "cutt.ly",
        "rb.gy",
        "shorturl.at",
        "tiny.cc",
        "t.me",
    ]
)


def domain_of(url: str) -> str:
    """The host of a URL-like string, without scheme, 'www.' or path."""
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url).split("/", 1)[0].split("?", 1)[0]
    return host.rstrip(".,;:!?")
