"""A scoring job that always fails, for the SCORING_FAILED path."""

from __future__ import annotations


def always_fail(comment_ids: list[int], *, request_id: str | None = None) -> None:
    raise RuntimeError("the classifier fell over")
