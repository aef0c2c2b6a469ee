"""JSON as people write it by hand in JavaScript: unquoted keys, single-quoted strings, trailing
commas, raw line breaks inside strings.

Perspective's own quickstart (``curl --data '{comment: {text: "..."}}'``) and Commento++ send such
bodies, and Google's front end takes them, so the Perspective-compatible API must too. Strict
JSON goes through :mod:`json` first, as usual; only what it refuses is parsed here.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

# Deeper nesting than this is not a comment request, and would exhaust the stack.
MAX_DEPTH = 64
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_LITERALS = {"true": True, "false": False, "null": None}
_SPACE = re.compile(r"\s*")


class LenientJSONError(ValueError):
    """The text is not JSON, not even the JavaScript kind."""


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise LenientJSONError("The JSON is nested too deeply") from None
    except json.JSONDecodeError:
        pass
    parser = _Parser(text)
    value = parser.value(0)
    parser.skip_space()
    if parser.pos != len(text):
        parser.fail("Unexpected text after the value")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> NoReturn:
        raise LenientJSONError(f"{what} at character {self.pos}")

    def skip_space(self) -> str:
        """Skip white space; the next character, or "" at the end."""
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
        return self.text[self.pos : self.pos + 1]

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            self.fail("The JSON is nested too deeply")
        char = self.skip_space()
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char in ("'", '"'):
            return self.string()
        if number := _NUMBER.match(self.text, self.pos):
            self.pos = number.end()
            digits = number.group()
            return float(digits) if any(c in digits for c in ".eE") else int(digits)
        word = _IDENTIFIER.match(self.text, self.pos)
        if word and word.group() in _LITERALS:
            self.pos = word.end()
            return _LITERALS[word.group()]
        self.fail("Expected a value")

    def object(self, depth: int) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        while (char := self.skip_space()) != "}":
            if char in ("'", '"'):
                key = self.string()
            elif word := _IDENTIFIER.match(self.text, self.pos):
                key, self.pos = word.group(), word.end()
            else:
                self.fail("Expected a key")
            if self.skip_space() != ":":
                self.fail("Expected ':'")
            self.pos += 1
            out[key] = self.value(depth + 1)
            if not self.comma_or("}"):
                break
        self.pos += 1
        return out

    def array(self, depth: int) -> list[Any]:
        self.pos += 1
        out: list[Any] = []
        while self.skip_space() != "]":
            out.append(self.value(depth + 1))
            if not self.comma_or("]"):
                break
        self.pos += 1
        return out

    def comma_or(self, closing: str) -> bool:
        """After a member: True at a comma (skipped), False at ``closing`` (left for the caller)."""
        char = self.skip_space()
        if char == ",":
            self.pos += 1
            return True
        if char != closing:
            self.fail(f"Expected ',' or {closing!r}")
        return False

    def string(self) -> str:
        start = self.pos + 1
        try:
            if self.text[self.pos] == '"':
                value, self.pos = json.decoder.scanstring(self.text, start, False)
                return value
            body, self.pos = _single_quoted(self.text, start)
            return json.decoder.scanstring(f'"{body}"', 1, False)[0]
        except json.JSONDecodeError as error:
            raise LenientJSONError(f"Bad string at character {start - 1}: {error.msg}") from None


def _single_quoted(text: str, start: int) -> tuple[str, int]:
    """The body of the single-quoted string opened before ``start``, rewritten for double
    quotes (a bare " escaped, \\' unescaped), and the index after its closing quote."""
    pieces, index = [], start
    while index < len(text):
        char = text[index]
        if char == "'":
            return "".join(pieces), index + 1
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            pieces.append("'" if following == "'" else char + following)
            index += 2
        else:
            pieces.append('\\"' if char == '"' else char)
            index += 1
    raise LenientJSONError(f"Unterminated string at character {start - 1}")
