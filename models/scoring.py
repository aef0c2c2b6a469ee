"""The `sieve score` stream: JSON lines in, one JSON line out per input, in order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from models.classifier import Classifier


def _error(line: int, code: str, message: str, ident: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"line": line}
    if ident is not None:
        out["id"] = ident
    out["error"] = {"code": code, "message": message}
    return out


def parse_line(number: int, raw: bytes) -> tuple[Any, str] | dict[str, Any]:
    """(id, text) for a well-formed line, else the error object to print in its place."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return _error(number, "invalid_utf8", f"line is not UTF-8: {exc.reason}")
    except json.JSONDecodeError as exc:
        return _error(number, "invalid_json", f"line is not JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(value, dict):
        return _error(number, "invalid_input", 'expected an object like {"text": "..."}')
    ident = value.get("id")
    if ident is not None and not isinstance(ident, str | int | float):
        return _error(number, "invalid_id", '"id" must be a string or a number')
    text = value.get("text")
    if not isinstance(text, str):
        return _error(number, "invalid_text", '"text" is required and must be a string', ident)
    return ident, text


def score_stream(
    classifier: Classifier, lines: Iterable[bytes], batch_size: int, explain: bool = True
) -> Iterator[list[str]]:
    """Yield the output lines batch by batch; a malformed line becomes an error line."""
    pending: list[tuple[int, Any]] = []  # (slot in outputs, id) awaiting a score
    outputs: list[dict[str, Any] | None] = []
    texts: list[str] = []

    def flush() -> list[str]:
        judgements = classifier.score(texts, explain=explain) if texts else []
        for (slot, ident), judgement in zip(pending, judgements, strict=True):
            body = judgement.to_dict()
            outputs[slot] = body if ident is None else {"id": ident, **body}
        done = [json.dumps(o, allow_nan=False) for o in outputs]
        pending.clear(), outputs.clear(), texts.clear()
        return done

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = parse_line(number, raw)
        if isinstance(parsed, dict):
            outputs.append(parsed)
        else:
            pending.append((len(outputs), parsed[0]))
            outputs.append(None)
            texts.append(parsed[1])
        if len(outputs) >= batch_size:
            yield flush()
    if outputs:
        yield flush()
