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
_PHONE_CANDIDATE = re.compile(r"(?<![\w+$£€.,/:-])\+?\d(?:[\s().-]{0,2}\d){6,14}(?![\w%])")
# Number runs that look like phone numbers but are years, dates, scores, prices or ISBNs.
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
_ISBN_BEFORE = re.compile(r"isbn(?:-1[03])?:?\s*$")


def _is_phone(text: str, match: re.Match[str]) -> bool:
    found = match.group()
    digits = re.findall(r"\d+", found)
    total = sum(map(len, digits))
    if _ISBN_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
        return False
    # Year ranges and dates ("1974-1978", "2019 2020", "2021-03-04"), vote counts ("52-48").
    if all(_YEAR.fullmatch(d) or len(d) <= 2 for d in digits) and _YEAR.fullmatch(digits[0]):
        return False
    if found.startswith("+"):
        return total >= 8
    # Without a country code a phone number has at least 9 digits ("0871 246 0324").
    return total >= 9


class _Phones:
    """PHONE.finditer / PHONE.search, with the number runs that are not phones left out."""

    def finditer(self, text: str):
        return (m for m in _PHONE_CANDIDATE.finditer(text) if _is_phone(text, m))

    def search(self, text: str) -> re.Match[str] | None:
        return next(iter(self.finditer(text)), None)


PHONE = _Phones()
MESSAGING = re.compile(
    r"\b(?:whats\s?app|telegram|kik|snap\s?chat|skype|we\s?chat|viber|signal app|line id|"
    r"dm me|inbox me|text me|call me|msg me|message me|add me)\b"
)
# Self-promotion and calls to action: what a spammer writes and a discussion rarely does.
_PROMOTION_PHRASES = (
    r"(?:check|chek|checkout)(?: out)? (?:my|our)",
    r"visit (?:my|our)",
    r"subscribe(?: to)?(?: my| our)?",
    r"sub(?:scribe)? (?:to|4) (?:me|my)",
    r"(?:my|our) (?:new )?(?:channel|page|website|site|blog|shop|store|videos?|music|songs?"
    r"|mixtape|profile)",
    r"follow (?:me|us)",
    r"like (?:my|our)",
    r"click (?:here|the link|this link|below|on my)",
    r"go to (?:my|our)",
    r"please (?:subscribe|sub|check|visit|watch my|help me)",
    r"free (?:gift|money|iphone|ipad|followers|subscribers|download|trial|robux|vbucks|coins)",
    r"gift ?cards?|giveaway|win (?:a|an|free|cash|money)|earn (?:money|cash|\$)|make money",
    r"work(?:ing)? from home|(?:a|an|per|every) (?:day|week|month|hour) from home",
    r"(?:make|earn|making|earning) (?:up to |over )?\$ ?\d",
    r"paypal|bitcoin|crypto(?:currency)?|forex|invest(?:ment|ing)? (?:plan|opportunity)",
    r"promo code|coupon|discount|buy now|order now|limited offer|cash prize|100% free",
    r"sign up|join (?:my|our|now)",
)
PROMOTION = re.compile(r"\b(?:" + "|".join(_PROMOTION_PHRASES) + r")\b")
# Reference and news sites: a link to one is a citation, not a promotion. A site adds its own
# and its sources' domains (allowed domains), which are masked before scoring.
REFERENCE_DOMAINS = frozenset(
    """wikipedia.org wikimedia.org wiktionary.org wikisource.org archive.org doi.org arxiv.org
    ncbi.nlm.nih.gov nih.gov pubmed.gov jstor.org nature.com science.org sciencedirect.com
    springer.com wiley.com britannica.com reuters.com apnews.com ap.org bbc.co.uk bbc.com
    nytimes.com washingtonpost.com theguardian.com guardian.co.uk wsj.com ft.com economist.com
    npr.org pbs.org cnn.com nbcnews.com cbsnews.com abcnews.go.com bloomberg.com politico.com
    theatlantic.com newyorker.com latimes.com usatoday.com aljazeera.com dw.com france24.com
    lemonde.fr spiegel.de independent.co.uk telegraph.co.uk time.com newsweek.com axios.com
    propublica.org thehill.com foxnews.com cbc.ca abc.net.au snopes.com factcheck.org
    politifact.com who.int un.org europa.eu oecd.org worldbank.org imf.org imdb.com
    github.com stackoverflow.com python.org w3.org ietf.org""".split()  # noqa: SIM905
)
REFERENCE_SUFFIXES = (".gov", ".edu", ".mil", ".int", ".gov.uk", ".ac.uk", ".gc.ca", ".gov.au")


def is_reference(domain: str) -> bool:
    if domain.endswith(REFERENCE_SUFFIXES):
        return True
    return any(domain == d or domain.endswith("." + d) for d in REFERENCE_DOMAINS)


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
