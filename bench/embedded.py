"""Sieve on its embedded defaults, as `make run` starts it: `sieve up` with a SQLite file and a
private redis-server, measured with the same wrk load as the others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from load import answers_within

REPO = Path(__file__).resolve().parents[1]
HIGH_RATE = "1000000/minute"


def start(
    workdir: Path, port: int, web_workers: int, web_threads: int = 4, **settings: str
) -> subprocess.Popen[bytes]:
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update({
        "SIEVE_RATE_LIMIT_IP": HIGH_RATE, "SIEVE_RATE_LIMIT_SITE": HIGH_RATE,
        "SIEVE_RATE_LIMIT_EMAIL": HIGH_RATE, "SIEVE_RATE_LIMIT_GLOBAL": HIGH_RATE,
        "SIEVE_LOG_LEVEL": "WARNING", **settings,
    })  # fmt: skip
    command = [
        sys.executable, "-m", "service.cli", "up", "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(workdir / "up"), "--web-workers", str(web_workers),
        "--web-threads", str(web_threads), "--workers", "1",
    ]  # fmt: skip
    log = (workdir / "sieve-up.log").open("ab")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    log.close()
    if answers_within(f"http://127.0.0.1:{port}/api/v1/comments", 120, poll=0.5):
        return process
    stop(process)
    raise RuntimeError(f"sieve up did not start; see {workdir / 'sieve-up.log'}")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
