"""``sieve status`` and ``sieve sweep``: the ops view and the sweeper, from a terminal."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from service.storage.tables import utcnow


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """Queues, workers and pending comments, as /ops and /metrics see them."""
    from service.cli.context import command_app
    from service.pipeline import monitor
    from service.pipeline.broker import scoring_queue
    from service.storage import db

    with command_app():
        queue = monitor.queue_state(scoring_queue())
        workers = monitor.worker_states(scoring_queue())
        with db.session_scope() as session:
            pending = monitor.pending_state(session)
    if as_json:
        payload = {
            "queues": [asdict(queue)],
            "workers": [
                {**asdict(w), "stale": w.stale, "last_heartbeat": _iso(w.last_heartbeat)}
                for w in workers
            ],
            "pending_comments": asdict(pending),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo("QUEUE            QUEUED  STARTED  SCHEDULED  FAILED  OLDEST")
    click.echo(
        f"{queue.name:<16} {queue.queued:>6}  {queue.started:>7}  {queue.scheduled:>9}  "
        f"{queue.failed:>6}  {_age(queue.oldest_queued_age)}"
    )
    click.echo(f"\nWORKERS ({len(workers)})")
    for worker in workers:
        beat = (utcnow() - worker.last_heartbeat).total_seconds() if worker.last_heartbeat else None
        state = "STALE" if worker.stale else worker.state
        click.echo(
            f"  {worker.name:<32} {state:<9} job={worker.current_job or '-'} "
            f"heartbeat={_age(beat)} ago ok={worker.successful} failed={worker.failed}"
        )
    if not workers:
        click.echo("  none: comments are stored but nobody scores them (run `sieve worker`)")
    click.echo(f"\nPENDING COMMENTS {pending.count}  oldest {_age(pending.oldest_age)}")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@click.command()
def sweep() -> None:
    """Re-queue the comments left pending (workers also do this every SIEVE_SWEEP_INTERVAL)."""
    from service.cli.context import command_app
    from service.pipeline.sweeper import sweep_now

    with command_app():
        result = sweep_now()
    click.echo(f"pending {result.pending}, re-queued {result.requeued}, covered {result.covered}")
