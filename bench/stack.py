"""The processes a benchmark runs: a private Redis, a database of its own, gunicorn, workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from load import answers_within
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-" + "x" * 40
HIGH_RATE = "1000000/minute"


class Stack:
    """Everything started here is stopped by ``close``; the shared servers are never touched."""

    def __init__(self, workdir: Path) -> None:
        from service.cli.embedded_redis import EmbeddedRedis

        self.workdir = workdir
        self.redis = EmbeddedRedis(workdir / "redis")
        self.redis_url = self.redis.start()
        self.db_name = f"sieve_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(make_url(SERVER), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        self.database_url = (
            make_url(SERVER)
            .set(drivername="postgresql+psycopg", database=self.db_name)
            .render_as_string(hide_password=False)
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._prepare()

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SIEVE_ENV": "production",
            "SIEVE_SECRET_KEY": SECRET,
            "SIEVE_DATA_DIR": str(self.workdir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SIEVE_RATE_LIMIT_IP": HIGH_RATE,
            "SIEVE_RATE_LIMIT_SITE": HIGH_RATE,
            "SIEVE_RATE_LIMIT_EMAIL": HIGH_RATE,
            "SIEVE_RATE_LIMIT_GLOBAL": HIGH_RATE,
            "SIEVE_LOG_LEVEL": "WARNING",
            **extra,
        }

    def _prepare(self) -> None:
        from service import create_app
        from service.domain.sites import ensure_site
        from service.settings import load_settings
        from service.storage import db

        db.upgrade(self.database_url)
        env = self.env()
        app = create_app(load_settings(env))
        with app.app_context(), db.session_scope() as session:
            ensure_site(session, "demo", "Bench", ["http://127.0.0.1"])
        with app.app_context():
            db.engine().dispose()

    def start_web(
        self, name: str, app: str, port: int, web_workers: int, threads: int, **env: str
    ) -> str:
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(web_workers), "--threads", str(threads), "--preload",
            # At most 8 keep-alive clients a process: otherwise one process can take most of
            # wrk's connections and leave the other core idle, and runs differ by a third.
            "--worker-connections", "8",
            "--pythonpath", str(REPO / "bench"), app,
        ]  # fmt: skip
        self._spawn(name, command, env)
        base = f"http://127.0.0.1:{port}"
        if answers_within(f"{base}/api/v1/comments", 60):
            return base
        raise RuntimeError(f"{name} did not start; see {self.workdir / name}.log")

    def start_granian(
        self, name: str, app: str, port: int, web_workers: int, threads: int, **env: str
    ) -> str:
        """The same app under granian (a WSGI server written in Rust), sized like gunicorn."""
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(web_workers), "--blocking-threads",
            str(threads), "--no-ws", "--log-level", "warning", app,
        ]  # fmt: skip
        self._spawn(name, command, {"PYTHONPATH": str(REPO / "bench"), **env})
        base = f"http://127.0.0.1:{port}"
        if answers_within(f"{base}/api/v1/comments", 60):
            return base
        raise RuntimeError(f"{name} did not start; see {self.workdir / name}.log")

    def start_workers(self, name: str, count: int, *flags: str, **env: str) -> None:
        for number in range(count):
            command = [sys.executable, "-m", "worker", "--name", f"{name}-{number}", *flags]
            self._spawn(f"{name}-{number}", command, env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        with (self.workdir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env(**env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def memory_mb(self, prefix: str) -> tuple[float, float]:
        """Resident (RSS) and proportional (PSS) memory of the named processes and children.

        PSS shares each page among the processes mapping it: gunicorn's preloaded workers share
        most of their pages with the master, which RSS counts once per process.
        """
        pids = [p.pid for name, p in self.processes.items() if name.startswith(prefix)]
        rss = pss = 0
        for pid in pids:
            group = subprocess.run(
                ["ps", "-o", "pid=,rss=", "-g", str(pid)], capture_output=True, text=True
            ).stdout
            for line in group.splitlines():
                member, resident = (int(value) for value in line.split())
                rss += resident
                pss += _pss_kb(member)
        return rss / 1024, pss / 1024

    def stop(self, prefix: str) -> None:
        for name in [n for n in self.processes if n.startswith(prefix)]:
            process = self.processes.pop(name)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def close(self) -> None:
        self.stop("")
        self.redis.stop()
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        self.admin.dispose()


def _pss_kb(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
    )
