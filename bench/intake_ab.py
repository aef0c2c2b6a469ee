"""Which intake ideas pay: Sieve's intake with and without each, taken in turns in one run.

One wrk run is noisy on a shared two-core machine (the naive endpoint alone moves by a fifth
between runs), so the variants are measured in alternation, several rounds each, and compared by
their medians, with the CPU each kind of process spent per accepted comment. A variant is a
name and the settings it changes; three of them are not Sieve's: THREADS (threads a web
process), APP (the WSGI app, on PostgreSQL only; unbatched_wsgi:app is Sieve with a round trip a
rate limit) and SERVER (gunicorn, or granian, a WSGI server written in Rust; PostgreSQL only):

    .venv/bin/python bench/intake_ab.py [--rounds 3] [--database postgresql|sqlite|both]
        [--variant NAME:SETTING=VALUE,...] ...

With no --variant: group commit on (the default) against SIEVE_GROUP_COMMIT=0.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import embedded
from load import cpu_seconds_by_command, cpu_spent, wrk
from run_all import INTAKE_SECONDS, WEB_THREADS, WEB_WORKERS
from stack import Stack

DEFAULT_VARIANTS = ["group commit:", "one commit a comment:SIEVE_GROUP_COMMIT=0"]
PSEUDO = ("APP", "THREADS", "SERVER")


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, settings = text.partition(":")
    pairs = [pair.split("=", 1) for pair in settings.split(",") if pair]
    return name, {key: value for key, value in pairs}


def on_postgresql(workdir: Path, variants, rounds: int) -> dict[str, list[dict]]:
    stack = Stack(workdir)
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    try:
        for round_ in range(rounds):
            for number, (name, env) in enumerate(variants):
                port = 8300 + 10 * round_ + number
                settings = {k: v for k, v in env.items() if k not in PSEUDO}
                app = env.get("APP", "service.wsgi:app")
                threads = int(env.get("THREADS", WEB_THREADS))
                if env.get("SERVER", "gunicorn") == "granian":
                    base = stack.start_granian(
                        "ab-web", app, port, WEB_WORKERS, threads, **settings
                    )
                else:
                    base = stack.start_web("ab-web", app, port, WEB_WORKERS, threads, **settings)
                runs[name].append(measured(base, workdir))
                stack.stop("ab-web")
                print(f"  PostgreSQL, {name}, round {round_ + 1}: {_figures(runs[name][-1])}")
    finally:
        stack.close()
    return runs


def on_sqlite(workdir: Path, variants, rounds: int) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for round_ in range(rounds):
        for number, (name, env) in enumerate(variants):
            port = 8400 + 10 * round_ + number
            data = workdir / f"sqlite-{number}"
            data.mkdir(exist_ok=True)
            settings = {k: v for k, v in env.items() if k != "THREADS"}
            threads = int(env.get("THREADS", 4))  # sieve up's default
            up = embedded.start(data, port, WEB_WORKERS, threads, **settings)
            try:
                runs[name].append(measured(f"http://127.0.0.1:{port}", data))
            finally:
                embedded.stop(up)
            print(f"  SQLite, {name}, round {round_ + 1}: {_figures(runs[name][-1])}")
    return runs


def measured(base: str, workdir: Path) -> dict:
    """A wrk run, with the CPU each kind of process spent per accepted comment: steadier than
    the rate when the machine's other tenants come and go."""
    before = cpu_seconds_by_command()
    run = wrk(base, INTAKE_SECONDS, workdir)
    spent = cpu_spent(before, cpu_seconds_by_command())
    accepted = run["accepted_per_s"] * INTAKE_SECONDS
    for kind in ("python", "postgres", "redis-server"):
        run[f"cpu_{kind}_ms"] = 1000 * spent.get(kind, 0.0) / max(accepted, 1)
    return run


def _cpu(run: dict) -> str:
    python, postgres = run["cpu_python_ms"], run["cpu_postgres_ms"]
    return (
        f"CPU per comment {python + postgres + run['cpu_redis-server_ms']:.2f} ms "
        f"(Python {python:.2f}, PostgreSQL {postgres:.2f})"
    )


def _figures(run: dict) -> str:
    return (
        f"{run['accepted_per_s']:,.0f} accepted/s, p99 {run['p99_ms']:.1f} ms, "
        f"errors {run['errors']}, {_cpu(run)}"
    )


def summary(database: str, runs: dict[str, list[dict]]) -> list[str]:
    lines = []
    first = None
    for name, results in runs.items():
        rate = statistics.median(r["accepted_per_s"] for r in results)
        p99 = statistics.median(r["p99_ms"] for r in results)
        cpu = {k: statistics.median(r[k] for r in results) for k in results[0] if "cpu" in k}
        first = first or rate
        lines.append(
            f"intake A/B, {database}, {name:<28} {rate:>7,.0f} accepted/s (median of "
            f"{len(results)})  p99 {p99:.1f} ms  {rate / first:.2f}x the first; {_cpu(cpu)}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--variant", action="append", help="NAME:SETTING=VALUE,...")
    args = parser.parse_args()
    variants = [parse_variant(v) for v in args.variant or DEFAULT_VARIANTS]
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sieve-ab-") as tmp:
        workdir = Path(tmp)
        if args.database in ("postgresql", "both"):
            lines += summary("PostgreSQL", on_postgresql(workdir, variants, args.rounds))
        if args.database in ("sqlite", "both"):
            lines += summary("SQLite", on_sqlite(workdir, variants, args.rounds))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
