"""``sieve up``: the whole stack in one foreground process that Ctrl-C stops cleanly."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.bootstrap import FIRST_ADMIN, prepare_installation
from service.embedded_redis import EmbeddedRedis

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in each child before exec: the kernel sends it SIGTERM if ``sieve up`` dies."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def ensure_secret(data_dir: Path) -> str:
    """A random secret kept in the data dir, so keyed hashes stay stable across restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Stack:
    host: str
    port: int
    data_dir: Path
    web_workers: int = 2
    workers: int = 1
    say: Callable[[str], None] = print
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    redis: EmbeddedRedis | None = None
    admin_password: str | None = None

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env["SIEVE_DATA_DIR"] = str(self.data_dir)
        self.env.setdefault("SIEVE_SECRET_KEY", ensure_secret(self.data_dir))
        if not self.env.get("REDIS_URL"):
            self.redis = EmbeddedRedis(self.data_dir)
            self.env["REDIS_URL"] = self.redis.start(preexec_fn=die_with_parent)
            self.say(f"embedded redis   {self.redis.url}")
        origins = [f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"]
        self.admin_password = prepare_installation(self.env, origins)

    def start(self) -> None:
        web = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"{self.host}:{self.port}",
            "--workers", str(self.web_workers),
            "--threads", "4",
            "--preload",
            "--graceful-timeout", "10",
            "service.wsgi:app",
        ]  # fmt: skip
        self._spawn("web", web)
        for number in range(1, self.workers + 1):
            self._spawn(f"worker-{number}", [sys.executable, "-m", "worker"])

    def _spawn(self, name: str, command: list[str]) -> None:
        process = subprocess.Popen(command, env=self.env, preexec_fn=die_with_parent)
        self.children.append((name, process))

    def wait_ready(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                return False
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        return False

    def exited(self) -> str | None:
        """The name of the first child that has exited, if any."""
        for name, process in self.children:
            if process.poll() is not None:
                return name
        return None

    def stop(self, timeout: float = 15.0) -> None:
        for _, process in self.children:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for _, process in self.children:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.redis is not None:
            self.redis.stop()


# The demo article's first comments: (author, text, index of the comment it answers).
DEMO_COMMENTS = (
    (
        "Margit",
        "The point about spending human attention only where it is needed is the one "
        "I will take away. We moderate everything by hand and it shows in our mornings.",
        None,
    ),
    ("Tomasz", "Same here. Does the honeypot trick still work against the newer bots?", 0),
    (
        "Ines",
        "Thank you for writing this. I closed comments on my blog two years ago and "
        "I miss the corrections readers used to send.",
        None,
    ),
)


def seed_demo_comments(stack: Stack) -> None:
    """Post a few comments under the demo article on the first start, through the real API."""
    from service.widget import DEMO_SITE, DEMO_THREAD, DEMO_TITLE

    marker = stack.data_dir / "demo-seeded"
    if marker.exists():
        return
    ids: list[int] = []
    try:
        for author, body, parent in DEMO_COMMENTS:
            payload = {
                "site": DEMO_SITE,
                "thread": DEMO_THREAD,
                "thread_title": DEMO_TITLE,
                "thread_url": f"{stack.base_url}/demo",
                "author_name": author,
                "body": body,
            }
            if parent is not None:
                payload["parent_id"] = ids[parent]
            request = urllib.request.Request(
                f"{stack.base_url}/api/v1/comments",
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                ids.append(json.load(response)["id"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        stack.say(f"sieve: could not seed the demo comments ({error}); the demo starts empty")
        return
    marker.write_text("\n".join(map(str, ids)) + "\n")


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def _admin_note(password: str | None) -> str:
    if password:
        return (
            f"  first admin     {FIRST_ADMIN}  password: {password}\n"
            "                  (shown only now; more accounts: sieve moderators create EMAIL)\n"
        )
    return "  accounts        sieve moderators create EMAIL --role admin|moderator [--site S]\n"


def run_stack(stack: Stack) -> int:
    """Start everything, print where it is, and run until Ctrl-C, SIGTERM or a child dies."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.prepare()
        stack.start()
        if not stack.wait_ready():
            stack.say(f"sieve: {stack.exited() or 'the web server'} did not come up; stopping")
            return 1
        base = stack.base_url
        seed_demo_comments(stack)
        stack.say(
            "\nSieve is running.\n"
            f"  demo article    {base}/demo\n"
            f"  widget          {base}/widget.js\n"
            f"  API             {base}/api/v1/openapi.json\n"
            f"  health          {base}/healthz  {base}/readyz\n"
            f"  moderator UI    {base}/moderate/\n"
            f"  ops             {base}/ops  {base}/metrics  (sieve status)\n"
            f"  data dir        {stack.data_dir.resolve()}\n"
            + _admin_note(stack.admin_password)
            + "Press Ctrl-C to stop.\n"
        )
        while (name := stack.exited()) is None:
            time.sleep(0.5)
        stack.say(f"sieve: {name} exited; stopping everything")
        return 1
    except _Stop as stop:
        stack.say(f"\nsieve: {stop} received, stopping")
        return 0
    finally:
        # Ignore further Ctrl-C while children shut down, so none is left behind.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
