"""Reading a large XML export element by element, with the line each one starts on.

Built on expat, fed in chunks: only the elements being read are in memory, never the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from service.domain.transfer.records import BrokenExport, Progress

CHUNK = 1 << 20


@dataclass(frozen=True)
class Found:
    """An element read whole at the depth asked for, and where it is in the file."""

    element: Element
    line: int
    parent: str  # the tag of the element it is in
    parent_number: int  # which element at the parent's depth (1 for the first), to tell items apart

    @property
    def where(self) -> str:
        return f"line {self.line}"


def iter_elements(stream: BinaryIO, depth: int, progress: Progress) -> Iterator[Found]:
    """Each element ``depth`` levels below the root (tags as ``{namespace}name``), read whole."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    found: list[Found] = []
    tags: list[str] = []
    parents = 0
    builder: TreeBuilder | None = None
    start_line = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal builder, start_line, parents
        tag = _tag(name)
        if len(tags) == depth - 1:
            parents += 1
        if len(tags) == depth:
            builder, start_line = TreeBuilder(), parser.CurrentLineNumber
        if builder is not None:
            builder.start(tag, {_tag(k): v for k, v in attributes.items()})
        tags.append(tag)

    def end(_name: str) -> None:
        nonlocal builder
        tag = tags.pop()
        if builder is None:
            return
        builder.end(tag)
        if len(tags) == depth:
            parent = tags[-1] if tags else ""
            found.append(Found(builder.close(), start_line, parent, parents))
            builder = None

    def data(text: str) -> None:
        if builder is not None:
            builder.data(text)

    def refuse_entities(*_args: object) -> None:
        # Entity declarations are how an XML file expands to gigabytes: no export has them.
        raise BrokenExport(f"line {parser.CurrentLineNumber}", "entity declarations refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.EntityDeclHandler = refuse_entities
    while True:
        chunk = stream.read(CHUNK)
        try:
            parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            message = expat.ErrorString(error.code)
            raise BrokenExport(f"line {error.lineno}", f"broken XML ({message})") from None
        yield from found
        found.clear()
        progress(len(chunk))
        if not chunk:
            return


def _tag(name: str) -> str:
    return "{" + name if "}" in name else name


def text_of(element: Element, tag: str) -> str | None:
    """The text of the first child named ``tag`` (CDATA included), or None."""
    child = element.find(tag)
    return None if child is None else (child.text or "")
