"""Split a comment into plain and highlighted segments from the classifier's explanation spans."""

from __future__ import annotations

from typing import Any


def highlight(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """``[(segment, label or None), ...]`` covering ``text`` in order, spans never overlapping.

    Spans come from the stored explanation (character offsets into the comment); a span that
    overlaps one already placed, or falls outside the text, is skipped rather than trusted.
    """
    marks: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: -float(s.get("weight", 0))):
        start, end = span.get("start"), span.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        if not 0 <= start < end <= len(text):
            continue
        if any(start < m_end and m_start < end for m_start, m_end, _ in marks):
            continue
        marks.append((start, end, str(span.get("label", ""))))
    segments: list[tuple[str, str | None]] = []
    position = 0
    for start, end, label in sorted(marks):
        if start > position:
            segments.append((text[position:start], None))
        segments.append((text[start:end], label))
        position = end
    if position < len(text):
        segments.append((text[position:], None))
    return segments
