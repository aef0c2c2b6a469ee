"""`sieve up` on the embedded defaults: the whole journey, then Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_worker import BENIGN, SPAM

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def call(url: str, payload: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(step)
    return None


@pytest.fixture
def stack(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PYTHONUNBUFFERED="1", SIEVE_ENV="development")
    log = (tmp_path / "up.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "up", "--port", str(port), "--data-dir",
         str(tmp_path / "data"), "--web-workers", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    ready = wait_for(lambda: "Sieve is running" in (tmp_path / "up.log").read_text(), 120, 0.2)
    if not ready:
        process.kill()
        log.close()
        pytest.fail("sieve up did not start:\n" + (tmp_path / "up.log").read_text())
    yield process, f"http://127.0.0.1:{port}"
    log.close()
    if process.poll() is None:
        process.kill()
        for pid in descendants(process.pid):
            os.kill(pid, signal.SIGKILL)


def test_sieve_up_decides_comments_and_stops_cleanly(stack):
    process, base = stack
    children = descendants(process.pid)
    assert len(children) >= 3  # web server (and its workers), scoring worker, redis-server

    comment = {"site": "demo", "thread": "hello-world", "author_name": "Ada"}
    status, benign = call(f"{base}/api/v1/comments", {**comment, "body": BENIGN})
    assert status == 202
    status, spam = call(f"{base}/api/v1/comments", {**comment, "body": SPAM})
    assert status == 202

    def decided(comment_id: int) -> str | None:
        state = call(f"{base}/api/v1/comments/{comment_id}")[1]["status"]
        return state if state != "pending" else None

    assert wait_for(lambda: decided(benign["id"]), 10) == "approved"
    assert wait_for(lambda: decided(spam["id"]), 10) in ("rejected", "held")
    _, page = call(f"{base}/api/v1/threads/comments?site=demo&thread=hello-world")
    assert [c["id"] for c in page["comments"]] == [benign["id"]]

    data_dir = Path(process.args[process.args.index("--data-dir") + 1])
    banner = (data_dir.parent / "up.log").read_text()
    assert "first admin     admin@localhost  password: " in banner
    assert f"{base}/moderate/" in banner and f"{base}/demo" in banner

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    left = [pid for pid in children if alive(pid)]
    assert left == [], f"processes left behind: {left}"
