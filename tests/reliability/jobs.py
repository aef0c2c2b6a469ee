"""A job for fault tests: hangs on its first run, so a worker can be killed in the middle of it."""

from __future__ import annotations

import time
from pathlib import Path

from worker.jobs import score_comments


def hang_once(comment_ids: list[int], *, marker: str, request_id: str | None = None) -> object:
    path = Path(marker)
    if not path.exists():
        path.touch()
        time.sleep(120)
    return score_comments(comment_ids, request_id=request_id)


def slow(comment_ids: list[int], *, marker: str, seconds: float, request_id: str | None = None):
    Path(marker).touch()
    time.sleep(seconds)
    return score_comments(comment_ids, request_id=request_id)
