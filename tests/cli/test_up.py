"""`sieve up` on the embedded defaults: the whole journey, then Ctrl-C leaves nothing behind."""

from __future__ import annotations

import contextlib
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

from tests.worker.test_worker import BENIGN, SPAM

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
        left = descendants(process.pid)
        process.kill()
        process.wait(timeout=10)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
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

    assert (data_dir / "gunicorn.ctl").exists()  # not in the home directory

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    left = [pid for pid in children if alive(pid)]
    assert left == [], f"processes left behind: {left}"
    log = (data_dir.parent / "up.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert "Error 111" not in log and "ConnectionError" not in log, log[-3000:]


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except OSError:
        return []


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def in_group(group: int) -> list[int]:
    """Live processes in the process group `group` (a child of `sieve up` leads its own)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and alive(int(stat.parent.name)):
            found.append(int(stat.parent.name))
    return found


def worker_pids(process: subprocess.Popen) -> set[int]:
    """The scoring workers `sieve up` started (not the RQ scheduler each of them forks)."""
    return {
        pid
        for pid in descendants(process.pid)
        if alive(pid)
        and parent_of(pid) == process.pid
        and command_line(pid)[1:3] == ["-m", "worker"]
    }


def redis_pids(process: subprocess.Popen) -> set[int]:
    return {
        pid
        for pid in descendants(process.pid)
        if alive(pid) and "redis-server" in command_line(pid)[0]
    }


def served(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200 and b"sieve" in response.read().lower()
    except (urllib.error.URLError, OSError):
        return False


READERS = (
    "The timeline in the second section helped me a lot, thank you for laying it out.",
    "I grew up near that harbour and the photos brought back the smell of the fish market.",
    "Could you share where the budget figures come from? I would like to read the report.",
    "My grandmother kept bees for forty years and she said exactly the same about the spring.",
    "We tried the recipe with oat milk and it worked, though it needed ten more minutes.",
    "Our library runs a similar reading group on Thursdays; newcomers are always welcome.",
)


def post_comments(base: str, count: int, thread: str) -> list[int]:
    ids = []
    for n in range(count):
        body = READERS[n % len(READERS)] + f" ({thread})"
        status, created = call(
            f"{base}/api/v1/comments",
            {"site": "demo", "thread": thread, "author_name": f"Reader {n}", "body": body},
        )
        assert status == 202, created
        ids.append(created["id"])
    return ids


def undecided(base: str, ids: list[int]) -> list[int]:
    return [i for i in ids if call(f"{base}/api/v1/comments/{i}")[1]["status"] == "pending"]


def test_a_killed_worker_is_restarted_and_its_comments_are_decided(stack):
    process, base = stack
    (old,) = worker_pids(process)
    os.kill(old, signal.SIGKILL)
    killed_at = time.monotonic()
    ids = post_comments(base, 5, "after-the-crash")
    assert served(f"{base}/widget.js") and served(f"{base}/demo")  # the site keeps its comments

    new = wait_for(lambda: worker_pids(process) - {old}, 10, 0.2)
    assert new, "the worker was not restarted within 10 s"
    restarted_at = time.monotonic()
    assert restarted_at - killed_at <= 10
    assert served(f"{base}/widget.js")
    assert wait_for(lambda: not undecided(base, ids), 15, 0.2), undecided(base, ids)
    assert process.poll() is None
    assert not in_group(old), "the killed worker's RQ scheduler was left running"
    log_text = Path(process.args[process.args.index("--data-dir") + 1]).parent / "up.log"
    assert "worker-1 exited (signal SIGKILL)" in log_text.read_text()
    assert "worker-1 restarted" in log_text.read_text()


def test_a_killed_redis_is_restarted_and_comments_still_flow(stack):
    process, base = stack
    (old,) = redis_pids(process)
    os.kill(old, signal.SIGKILL)
    assert wait_for(lambda: redis_pids(process) - {old}, 10, 0.2), "redis was not restarted"
    assert served(f"{base}/widget.js")
    ids = wait_for(lambda: _try_post(base), 15, 0.5)
    assert ids, "comments are not accepted after Redis came back"
    assert wait_for(lambda: not undecided(base, ids), 30, 0.2), undecided(base, ids)
    assert process.poll() is None


def _try_post(base: str) -> list[int] | None:
    try:
        return post_comments(base, 2, "after-redis")
    except (AssertionError, urllib.error.URLError, OSError):
        return None


def test_on_a_terminal_logs_are_readable_and_the_banner_comes_after_start_up(tmp_path):
    import pty
    import select

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PYTHONUNBUFFERED="1", SIEVE_ENV="development")
    env.pop("SIEVE_LOG_FORMAT", None)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "up", "--port", str(port), "--data-dir",
         str(tmp_path / "data"), "--web-workers", "1"],
        env=env, stdin=follower, stdout=follower, stderr=follower, start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    output = b""
    try:
        deadline = time.monotonic() + 120
        while b"Press Ctrl-C to stop." not in output and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                output += os.read(leader, 65536)
        assert b"Press Ctrl-C to stop." in output, output.decode(errors="replace")[-3000:]
        process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                try:
                    output += os.read(leader, 65536)
                except OSError:
                    break
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    text = output.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    assert not [line for line in lines if line.lstrip().startswith('{"ts"')], text[-3000:]
    before, banner = text.split("Sieve is running.", 1)
    assert "model loaded" in before  # the worker is up before the banner is printed
    banner = banner.split("Press Ctrl-C to stop.")[0]
    assert "password: " in banner and "/moderate/" in banner
    assert "Traceback" not in text
