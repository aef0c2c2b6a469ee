"""``make bench``: every Sieve benchmark, with the figures side by side with a naive pipeline.

Intake (wrk, 10 s each, against gunicorn on loopback), end to end (decisions per second and
submit->decision latency from stored timestamps), a steady 200 comments/s for 30 s, memory; then
the classifier (with the shadow model's cost and per-site calibration), compatible-API
(bench/compat.py), import (bench/import_rate.py) and moderation-queue benchmarks. Everything runs
on a private Redis and a database of its own (created and dropped here); the shared servers are
left alone.

    .venv/bin/python bench/run_all.py [--skip-classifier] [--skip-compat] [--skip-queue]
                                      [--intake-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import embedded
import isso
from load import WRK_FLAGS, steady, wrk
from sqlalchemy import create_engine, text
from stack import REPO, Stack

INTAKE_SECONDS = 10
# Four processes of two threads, for Sieve and the naive endpoint alike. With two of four, wrk's
# 16 keep-alive connections were often split unevenly between the two processes, one of them
# was left doing most of the work on one core, and the figures swung by a third from run to run.
WEB_WORKERS = 4
WEB_THREADS = 2
WORKERS = 2


def percentile(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


class Decisions:
    """Submit->decision figures for the comments stored after a mark."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)

    def mark(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT coalesce(max(id), 0) FROM comments")).scalar()

    def pending(self, after: int) -> int:
        query = text("SELECT count(*) FROM comments WHERE id > :a AND status = 'pending'")
        with self.engine.connect() as connection:
            return connection.execute(query, {"a": after}).scalar()

    def settle_all(self) -> None:
        """Take the intake benchmark's comments out of the way of the next run."""
        with self.engine.begin() as connection:
            connection.execute(
                text("UPDATE comments SET status = 'approved' WHERE status = 'pending'")
            )

    def wait(self, after: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.pending(after) and time.monotonic() < deadline:
            time.sleep(0.5)

    def figures(self, after: int) -> dict[str, float]:
        query = text(
            "SELECT extract(epoch FROM created_at), extract(epoch FROM decided_at)"
            " FROM comments WHERE id > :a"
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query, {"a": after}).all()
        done = [(float(c), float(d)) for c, d in rows if d is not None]
        if not done:
            return {"submitted": len(rows), "decided": 0}
        latencies = [(d - c) * 1000 for c, d in done]
        span = max(d for _, d in done) - min(c for c, _ in done)
        deciding = max(d for _, d in done) - min(d for _, d in done)
        return {
            "submitted": len(rows),
            "decided": len(done),
            "per_s": len(done) / span if span else float("nan"),
            # From the first decision to the last: the workers' rate, whatever the intake's.
            "deciding_per_s": len(done) / deciding if deciding else float("nan"),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
        }


def wait_for_workers(stack: Stack, count: int) -> None:
    import redis
    from rq import Worker

    connection = redis.Redis.from_url(stack.redis_url)
    deadline = time.monotonic() + 60
    while Worker.count(connection=connection) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    connection.close()


def run_service_benchmarks(workdir: Path, intake_only: bool = False) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    stack = Stack(workdir)
    decisions = Decisions(stack.database_url)
    try:
        naive = stack.start_web(
            "naive-web", "naive:app", 8101, WEB_WORKERS, WEB_THREADS, SIEVE_QUEUE="naive"
        )
        base = stack.start_web("sieve-web", "service.wsgi:app", 8102, WEB_WORKERS, WEB_THREADS)
        naive_intake = wrk(naive, INTAKE_SECONDS, workdir)
        stack.stop("naive-web")
        burst = decisions.mark()
        sieve_intake = wrk(base, INTAKE_SECONDS, workdir)
        # The other server measured, on the same database: Sieve under granian.
        granian = stack.start_granian(
            "granian-web", "service.wsgi:app", 8103, WEB_WORKERS, WEB_THREADS
        )
        granian_intake = wrk(granian, INTAKE_SECONDS, workdir)
        stack.stop("granian-web")
        rows.append(intake_row("naive endpoint", naive_intake))
        rows.append(intake_row("Sieve", sieve_intake))
        rows.append(intake_row("Sieve under granian instead of gunicorn", granian_intake))
        ratio = sieve_intake["accepted_per_s"] / naive_intake["accepted_per_s"]
        rows.append(("intake ratio Sieve / naive", f"{ratio:.2f}x", "target >= 1.0x"))
        rows += peer_rows(workdir)
        if intake_only:
            return rows

        # The intake run left a burst queued with no worker running: the backlog a viral story
        # or a spam wave leaves. How fast do the workers clear it?
        stack.start_workers("sieve-worker", WORKERS)
        wait_for_workers(stack, WORKERS)
        decisions.wait(burst, 120)
        drained = decisions.figures(burst)
        rows.append(
            (
                f"backlog of the intake run, Sieve ({WORKERS} workers, batching)",
                f"{drained['deciding_per_s']:,.0f} decisions/s",
                f"{drained['decided']}/{drained['submitted']} decided, first to last decision",
            )
        )
        print(*rows[-1], flush=True)
        mark = decisions.mark()
        wrk(base, INTAKE_SECONDS, workdir)
        decisions.wait(mark, 60)
        sieve_e2e = decisions.figures(mark)
        rows.append(e2e_row(f"end to end, Sieve ({WORKERS} workers, batching)", sieve_e2e))
        print(*rows[-1], flush=True)

        mark = decisions.mark()
        sent = steady(base, rate=200, seconds=30)
        decisions.wait(mark, 30)
        calm = decisions.figures(mark)
        rows.append(
            (
                "steady 200/s for 30 s, Sieve",
                f"p99 {calm.get('p99_ms', float('nan')):.0f} ms",
                f"p50 {calm.get('p50_ms', float('nan')):.0f} ms, accepted {sent['accepted']}, "
                f"errors {sent['errors']} {sent['first_error'] or ''}, decided {calm['decided']}",
            )
        )
        web_rss, web_pss = stack.memory_mb("sieve-web")
        workers_rss, workers_pss = stack.memory_mb("sieve-worker")
        rows.append(
            (
                "memory after the runs (PSS)",
                f"web {web_pss:.0f} MB",
                f"{WORKERS} workers {workers_pss:.0f} MB; RSS web {web_rss:.0f} MB, workers "
                f"{workers_rss:.0f} MB (gunicorn {WEB_WORKERS} processes + master)",
            )
        )
        stack.stop("sieve-worker")

        decisions.settle_all()
        # The naive pipeline: one job a comment, made on the request path, and forking workers
        # that take one job at a time.
        stack.stop("sieve-web")
        one_a_job = stack.start_web(
            "sieve-web", "service.wsgi:app", 8103, WEB_WORKERS, WEB_THREADS,
            SIEVE_ENQUEUE_DELAY_MS="0",
        )  # fmt: skip
        stack.start_workers("naive-worker", WORKERS, "--fork", SIEVE_BATCH_SIZE="1")
        wait_for_workers(stack, WORKERS)
        mark = decisions.mark()
        wrk(one_a_job, 3, workdir)
        decisions.wait(mark, 25)  # the naive workers rarely finish: their rate is what counts
        naive_e2e = decisions.figures(mark)
        rows.append(e2e_row(f"end to end, naive ({WORKERS} forking workers, 1/job)", naive_e2e))
        nan = float("nan")
        ratio = sieve_e2e.get("per_s", nan) / naive_e2e.get("per_s", nan)
        rows.append(("end-to-end ratio Sieve / naive", f"{ratio:.1f}x", "target >= 4x"))
    finally:
        decisions.engine.dispose()
        stack.close()
    return rows


def peer_rows(workdir: Path) -> list[tuple[str, str, str]]:
    """Isso, the peer, and Sieve on its embedded defaults (SQLite), under the same load."""
    rows: list[tuple[str, str, str]] = []
    isso_process = isso.start(workdir, 8110, WEB_WORKERS, WEB_THREADS)
    try:
        peer = wrk("http://127.0.0.1:8110", INTAKE_SECONDS, workdir, isso.WRK_SCRIPT, "")
    finally:
        isso_process.terminate()
        isso_process.wait(20)
    up = embedded.start(workdir, 8120, WEB_WORKERS)
    try:
        local = wrk("http://127.0.0.1:8120", INTAKE_SECONDS, workdir)
    finally:
        embedded.stop(up)
    rows.append(intake_row(f"Isso {isso.VERSION} (SQLite, {WEB_WORKERS}x{WEB_THREADS})", peer))
    rows.append(intake_row(f"Sieve on SQLite (sieve up, {WEB_WORKERS} web processes)", local))
    ratio = local["accepted_per_s"] / peer["accepted_per_s"]
    rows.append(("intake ratio Sieve on SQLite / Isso", f"{ratio:.1f}x", "target >= 4x"))
    for row in rows:
        print(*row, flush=True)
    return rows


def intake_row(name: str, r: dict[str, float]) -> tuple[str, str, str]:
    return (
        f"intake, {name}",
        f"{r['accepted_per_s']:,.0f} accepted/s",
        f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}",
    )


def e2e_row(name: str, r: dict[str, float]) -> tuple[str, str, str]:
    return (
        name,
        f"{r.get('per_s', 0):,.0f} decisions/s",
        f"{r['decided']}/{r['submitted']} decided; p50 {r.get('p50_ms', 0):.0f} ms, "
        f"p95 {r.get('p95_ms', 0):.0f} ms, p99 {r.get('p99_ms', 0):.0f} ms",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-classifier", action="store_true")
    parser.add_argument("--skip-queue", action="store_true")
    parser.add_argument("--skip-compat", action="store_true")
    parser.add_argument(
        "--intake-only", action="store_true", help="only the two intake runs (about 40 s)"
    )
    parser.add_argument("--queue-comments", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.monotonic()
    print(
        f"Sieve benchmarks: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; "
        f"gunicorn gthread {WEB_WORKERS} workers x {WEB_THREADS} threads; "
        f"wrk {' '.join(WRK_FLAGS)}; "
        f"PostgreSQL + private redis-server (unix socket); rate limits 1000000/minute\n",
        flush=True,
    )
    # Kept after the run: the servers' logs are there.
    workdir = Path(tempfile.mkdtemp(prefix="sieve-bench-"))
    rows = run_service_benchmarks(workdir, intake_only=args.intake_only)
    width = max(len(name) for name, _, _ in rows)
    for name, figure, detail in rows:
        print(f"{name:<{width}}  {figure:>20}  {detail}")
    print(flush=True)
    python = sys.executable
    if args.intake_only:
        return 0
    if not args.skip_classifier:
        subprocess.run([python, str(REPO / "bench" / "classifier.py")], check=True)
        # The learning loop: a shadow model's cost to a worker, and per-site calibration.
        subprocess.run([python, str(REPO / "bench" / "shadow.py")], check=True)
        subprocess.run([python, str(REPO / "bench" / "site_calibration.py")], check=True)
    if not args.skip_compat:
        subprocess.run([python, str(REPO / "bench" / "compat.py")], check=True)
    subprocess.run([python, str(REPO / "bench" / "import_rate.py")], check=True)
    if not args.skip_queue:
        queue = [python, str(REPO / "bench" / "moderation_queue.py")]
        subprocess.run([*queue, "--comments", str(args.queue_comments)], check=True)
    print(f"\nmake bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
