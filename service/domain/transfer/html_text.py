"""HTML comment bodies (Disqus messages, WordPress comments) as Sieve's plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr",
}  # fmt: skip
_HIDDEN = {"script", "style", "template"}
_SPACES = re.compile(r"[ \t\r\n\f]+")
_TRAILING = re.compile(r"[ \t]+\n")
_GAPS = re.compile(r"\n{3,}")
_ELLIPSIS = ("...", "…")


def html_to_text(html: str, *, newlines_are_breaks: bool = False) -> str:
    """Tags stripped, ``<br>`` and paragraphs as line breaks, entities unescaped, a link kept as
    ``text (url)`` unless its text is the URL.

    WordPress keeps a comment's line breaks as newlines and adds ``<p>`` only on display, so
    ``newlines_are_breaks`` keeps them; in Disqus' HTML a newline is just a space.
    """
    parser = _TextParser(newlines_are_breaks)
    parser.feed(html)
    parser.close()
    text = _TRAILING.sub("\n", "".join(parser.parts))
    return _GAPS.sub("\n\n", text).strip()


class _TextParser(HTMLParser):
    def __init__(self, newlines_are_breaks: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.newlines_are_breaks = newlines_are_breaks
        self.parts: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (href, index of the link's first part)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            self.pre += tag == "pre"
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            self.pre -= tag == "pre" and self.pre > 0
        elif tag == "a" and self.links:
            href, first = self.links.pop()
            shown = "".join(self.parts[first:]).strip()
            if not href:
                return
            if not _same_link(shown, href):
                self.parts.append(f" ({href})" if shown else href)
            elif shown.endswith(_ELLIPSIS):
                del self.parts[first:]  # "example.com/a/lo..." says less than the link
                self.parts.append(href)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.pre:
            if self.newlines_are_breaks:
                data = "\n".join(_SPACES.sub(" ", line) for line in data.split("\n"))
            else:
                data = _SPACES.sub(" ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip(" ")
        self.parts.append(data)


def _same_link(shown: str, href: str) -> bool:
    """Whether a link's text is its URL, perhaps without the scheme or shortened with "..."."""
    text, url = _bare(shown), _bare(href)
    for ellipsis in _ELLIPSIS:
        if text.endswith(ellipsis):
            return url.startswith(text.removesuffix(ellipsis))
    return text == url


def _bare(link: str) -> str:
    link = link.strip().lower().removeprefix("mailto:")
    link = re.sub(r"^[a-z][a-z0-9+.-]*://", "", link).removeprefix("www.")
    return link.rstrip("/")
