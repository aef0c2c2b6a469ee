"""The `sieve score` contract: one JSON line per input, in order, errors in place."""

from __future__ import annotations

import json

from click.testing import CliRunner

from models.cli import score

LINES = [
    b'{"id": "a", "text": "you are an idiot"}',
    b'{"text": "thanks for the fix"}',
    b"this is not json",
    b'{"id": 4}',
    b"",
    b'["text"]',
    b'{"id": 7, "text": "\\ud800 lone surrogate"}',
    b'{"id": {"x": 1}, "text": "bad id"}',
    b"\xff\xfe broken utf-8",
    b'{"id": 10, "text": "check out my channel bit.ly/free"}',
]


def run(lines: list[bytes], *args: str) -> list[dict]:
    result = CliRunner().invoke(score, list(args), input=b"\n".join(lines) + b"\n")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_one_line_per_input_in_order() -> None:
    out = run(LINES, "--batch-size", "3")
    assert len(out) == 9  # the blank line is not an input
    assert [o.get("id") for o in out] == ["a", None, None, 4, None, 7, None, None, 10]
    assert [o.get("line") for o in out] == [None, None, 3, 4, 6, None, 8, 9, None]


def test_scored_lines_have_the_stable_shape() -> None:
    first, second = run(LINES[:2])
    assert list(first) == ["id", "spam", "toxicity", "labels", "reasons"]
    assert list(second) == ["spam", "toxicity", "labels", "reasons"]
    assert first["toxicity"] > 0.9 and first["labels"]["toxicity"] == first["toxicity"]
    reason = first["reasons"][0]
    assert set(reason) == {"label", "code", "text", "start", "end", "weight"}
    assert "you are an idiot"[reason["start"] : reason["end"]] == reason["text"]


def test_malformed_lines_get_clear_errors_and_do_not_stop_the_stream() -> None:
    out = {o.get("line"): o for o in run(LINES)}
    assert out[3]["error"]["code"] == "invalid_json"
    assert out[4] == {"line": 4, "id": 4, "error": out[4]["error"]}
    assert out[4]["error"]["code"] == "invalid_text"
    assert out[6]["error"]["code"] == "invalid_input"
    assert out[8]["error"]["code"] == "invalid_id"
    assert out[9]["error"]["code"] == "invalid_utf8"
    assert all(o["error"]["message"] for k, o in out.items() if k)
    assert out[None]["id"] == 10 and out[None]["spam"] > 0.5


def test_batch_size_does_not_change_results() -> None:
    assert run(LINES, "--batch-size", "1") == run(LINES, "--batch-size", "64")


def test_tiny_model_and_no_reasons(tiny_model_dir) -> None:
    (line,) = run([b'{"text": "you are a moron"}'], "--model", str(tiny_model_dir), "--no-reasons")
    assert line["reasons"] == [] and 0 <= line["toxicity"] <= 1
