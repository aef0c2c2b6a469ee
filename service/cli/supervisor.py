"""``sieve up``: the whole stack in one foreground process that Ctrl-C stops cleanly."""

from __future__ import annotations

import contextlib
import ctypes
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

from service.cli.bootstrap import FIRST_ADMIN, prepare_installation
from service.cli.demo import seed_demo_comments
from service.cli.embedded_redis import EmbeddedRedis, NoRedisServer, binary_origin, server_binary

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


# A child that dies is started again after RESTART_DELAYS[n] seconds, n counting its recent
# deaths; one that then stays up for STABLE_AFTER seconds starts again at the first delay.
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER = 60.0


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
        return f"signal {-code}"
    return f"status {code}"


@dataclass
class Child:
    """One supervised process: how to start it, and its restart history."""

    name: str
    launch: Callable[[], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    deaths: int = 0
    restart_at: float | None = None
    restarts: int = 0

    def start(self) -> None:
        self.process = self.launch()
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Stack:
    host: str
    port: int
    data_dir: Path
    web_workers: int = 2
    web_threads: int = 4
    workers: int = 1
    say: Callable[[str], None] = print
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    children: list[Child] = field(default_factory=list)
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
        if not self.env.get("SIEVE_LOG_FORMAT") and sys.stderr.isatty():
            self.env["SIEVE_LOG_FORMAT"] = "text"  # a person is reading; JSON when piped
        if not self.env.get("REDIS_URL"):
            self.redis = EmbeddedRedis(self.data_dir)
            child = Child("redis", self._launch_redis)
            child.start()
            self.children.append(child)
            self.env["REDIS_URL"] = self.redis.url
            origin = binary_origin(server_binary())
            self.say(f"embedded redis   {self.redis.url}  ({origin})")
        origins = [f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"]
        self.admin_password = prepare_installation(self.env, origins)

    def _launch_redis(self) -> subprocess.Popen[bytes]:
        assert self.redis is not None
        self.redis.start(preexec_fn=die_with_parent, process_group=0)
        assert self.redis.process is not None
        return self.redis.process

    def start(self) -> None:
        web = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"{self.host}:{self.port}",
            "--workers", str(self.web_workers),
            "--threads", str(self.web_threads),
            "--preload",
            "--graceful-timeout", "10",
            "--control-socket", str((self.data_dir / "gunicorn.ctl").resolve()),
            "service.wsgi:app",
        ]  # fmt: skip
        self._spawn("web", web)
        for number in range(1, self.workers + 1):
            self._spawn(f"worker-{number}", [sys.executable, "-m", "worker"])

    def _spawn(self, name: str, command: list[str]) -> None:
        def launch() -> subprocess.Popen[bytes]:
            # Its own process group: Ctrl-C reaches only `sieve up`, which then stops the
            # children in order (web and workers first, Redis last) instead of all at once.
            return subprocess.Popen(
                command, env=self.env, preexec_fn=die_with_parent, process_group=0
            )

        child = Child(name, launch)
        child.start()
        self.children.append(child)

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

    def wait_workers(self, timeout: float = 60.0) -> bool:
        """Until every scoring worker has registered (loaded its model), so that the banner is
        not followed by their start-up lines."""
        import redis
        from rq import Worker

        connection = redis.Redis.from_url(self.env["REDIS_URL"])
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not self.exited():
                with contextlib.suppress(redis.RedisError, OSError):
                    if Worker.count(connection=connection) >= self.workers:
                        return True
                time.sleep(0.2)
            return False
        finally:
            connection.close()

    def exited(self) -> str | None:
        """The name of the first child that has exited, if any."""
        for child in self.children:
            if not child.running:
                return child.name
        return None

    def supervise(self, now: float | None = None) -> None:
        """Restart, with backoff, every child that has died; the others keep running."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is None and not child.running:
                assert child.process is not None
                code = child.process.returncode
                # What it forked (a worker's RQ scheduler) is in its process group: gone too.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                if now - child.started_at >= STABLE_AFTER:
                    child.deaths = 0
                delay = RESTART_DELAYS[min(child.deaths, len(RESTART_DELAYS) - 1)]
                child.deaths += 1
                child.restart_at = now + delay
                self.say(
                    f"sieve: {child.name} exited ({describe_exit(code)}) after "
                    f"{now - child.started_at:.0f} s; restarting in {delay:.0f} s"
                )
            elif child.restart_at is not None and now >= child.restart_at:
                try:
                    child.start()
                except (OSError, RuntimeError, TimeoutError) as error:
                    child.restart_at = now + RESTART_DELAYS[-1]
                    self.say(f"sieve: {child.name} did not start ({error}); trying again")
                    continue
                child.restarts += 1
                assert child.process is not None
                self.say(f"sieve: {child.name} restarted (pid {child.process.pid})")

    def stop(self, timeout: float = 15.0) -> None:
        """Web server and workers first (they finish what they hold), then Redis."""
        servers = [c for c in self.children if c.name != "redis"]
        self._terminate(servers, timeout)
        if self.redis is not None:
            self.redis.stop()

    @staticmethod
    def _terminate(children: list[Child], timeout: float) -> None:
        for child in children:
            if child.running:
                assert child.process is not None
                child.process.terminate()
        deadline = time.monotonic() + timeout
        for child in children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


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
    """Start everything, print where it is, and run until Ctrl-C or SIGTERM.

    A child that dies (web server, worker, embedded Redis) is restarted with backoff while the
    others keep serving; only a failed first start stops the stack."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.prepare()
        stack.start()
        if not stack.wait_ready():
            stack.say(f"sieve: {stack.exited() or 'the web server'} did not come up; stopping")
            return 1
        if not stack.wait_workers():
            stack.say(f"sieve: {stack.exited() or 'the scoring worker'} did not come up; stopping")
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
        while True:
            time.sleep(0.5)
            stack.supervise()
    except _Stop as stop:
        stack.say(f"\nsieve: {stop} received, stopping")
        return 0
    except (NoRedisServer, RuntimeError, TimeoutError) as error:
        stack.say(f"sieve: cannot start: {error}")
        return 1
    finally:
        # Ignore further Ctrl-C while children shut down, so none is left behind.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
