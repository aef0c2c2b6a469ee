"""Real processes for tests: scoring workers started as `python -m worker` on a test app's
database, Redis and queue (they may be killed), and waiting with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


class Workers:
    def __init__(self, app, log_dir: Path) -> None:
        self.app = app
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        s = self.app.config["SIEVE"]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SIEVE_ENV": "test",
            "SIEVE_SECRET_KEY": s.secret_key,
            "SIEVE_DATA_DIR": str(s.data_dir),
            "DATABASE_URL": s.database_url,
            "REDIS_URL": s.redis_url,
            "SIEVE_QUEUE": s.queue_name,
            "SIEVE_RATE_LIMIT_PREFIX": s.rate_limit_key_prefix,
            "SIEVE_JOB_RETRIES": str(s.job_retries),
            "SIEVE_JOB_TIMEOUT": str(s.job_timeout),
            "SIEVE_SWEEP_AFTER": str(s.sweep_after),
            "SIEVE_SWEEP_INTERVAL": str(s.sweep_interval),
            "SIEVE_MODEL_DIR": s.model_dir,
            "SIEVE_RETRY_BACKOFF": ",".join(str(n) for n in s.retry_backoff),
            "SIEVE_PUBLIC_URL": s.public_url,
            "SIEVE_SMTP_URL": s.smtp_url,
        }

    def start(self, name: str) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"worker-{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "worker", "--name", f"{name}-{time.time_ns()}"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes its scheduler too
            )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        if sig == signal.SIGKILL:
            process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
