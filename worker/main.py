"""The worker entrypoint: build the app, load the classifier once, then work the queue."""

from __future__ import annotations

import argparse
import logging
import sys

from rq import SimpleWorker, Worker

from service import create_app, db
from service.classifier import classifier_holder
from service.queue import redis_connection, scoring_queue
from service.settings import SettingsError
from worker import context

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sieve worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    parser.add_argument(
        "--fork",
        action="store_true",
        help="fork a child per job (RQ's default); off by default, since the model is loaded "
        "once and a job only needs it and the database",
    )
    parser.add_argument("--name", help="worker name shown in status pages")
    parser.add_argument("--max-jobs", type=int, help="exit after this many jobs")
    return parser.parse_args(argv)


def build_worker(args: argparse.Namespace) -> Worker:
    """App, schema check and model load come before the first job is taken."""
    app = create_app()
    with app.app_context():
        db.check_schema(db.engine())
        classifier = classifier_holder().load()
        context.activate(app, classifier)
        worker_class = Worker if args.fork else SimpleWorker
        return worker_class([scoring_queue()], connection=redis_connection(), name=args.name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        worker = build_worker(args)
    except (SettingsError, db.SchemaNotCurrent) as error:
        print(f"sieve worker: cannot start: {error}", file=sys.stderr)
        return 1
    worker.work(burst=args.burst, with_scheduler=True, max_jobs=args.max_jobs)
    return 0
