"""What a shadow model costs a worker: comments decided per second by the scoring job's database
work and classifier calls, without and with a candidate scoring beside the live model.

One core, a SQLite file of its own, batches of SIEVE_BATCH_SIZE (256) comments as the job takes
them; the same comments are put back to pending between rounds. The candidate is the live model
itself loaded a second time (same size and cost as a retrained one).

    .venv/bin/python bench/shadow.py [--comments 4096]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, update  # noqa: E402

from models import load_classifier  # noqa: E402
from service import create_app  # noqa: E402
from service.domain.sites import ensure_site  # noqa: E402
from service.settings import load_settings  # noqa: E402
from service.storage import db  # noqa: E402
from service.storage.states import CommentStatus  # noqa: E402
from service.storage.tables import Comment, ModerationEvent, ShadowScore, Thread  # noqa: E402
from worker.scoring import score_in_shadow, score_pending  # noqa: E402

BATCH = 256
TEXTS = [
    "Thanks for the write-up, the part about connection pools saved me an afternoon.",
    "I disagree: the 2019 report (https://www.reuters.com/world/report) says otherwise.",
    "Check out my channel and subscribe!!! bit.ly/win-free-prizes",
    "You are a worthless idiot and everyone here knows it.",
    "Has anyone tried this with PostgreSQL 16? The planner seems to pick another index.",
    "Great recipe, I added a pinch of cinnamon and it was lovely.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=4096)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        db.upgrade(url)
        settings = load_settings({}, env="test", secret_key="x" * 40, database_url=url,
                                 redis_url="redis://127.0.0.1:1/0", data_dir=Path(tmp))  # fmt: skip
        app = create_app(settings)
        live, candidate = load_classifier(), load_classifier()
        with app.app_context():
            with db.session_scope() as session:
                site = ensure_site(session, "bench", "Bench", ["https://bench.example"])
                thread = Thread(site_id=site.id, key="t", url=None, title=None)
                session.add(thread)
                session.flush()
                session.add_all(
                    Comment(site_id=site.id, thread_id=thread.id, author_name="Reader",
                            body=f"{TEXTS[n % len(TEXTS)]} ({n})")
                    for n in range(args.comments)
                )  # fmt: skip
            ids = list(range(1, args.comments + 1))
            rates = {}
            for name, shadow in (("live only", None), ("with a shadow model", candidate)):
                with db.session_scope() as session:
                    session.execute(update(Comment).values(status=CommentStatus.PENDING))
                    session.execute(delete(ModerationEvent))
                    session.execute(delete(ShadowScore))
                started = time.perf_counter()
                for start in range(0, len(ids), BATCH):
                    batch = ids[start : start + BATCH]
                    with db.session_scope() as session:
                        decided = score_pending(session, live, batch)
                    if shadow is not None:
                        with db.session_scope() as session:
                            score_in_shadow(session, shadow, [o.comment_id for o in decided])
                rates[name] = len(ids) / (time.perf_counter() - started)
        for name, rate in rates.items():
            print(f"shadow, {name:20} {rate:8,.0f} decisions/s (one core, SQLite, batch {BATCH})")
        cost = 1 - rates["with a shadow model"] / rates["live only"]
        print(f"shadow, cost of the shadow model: {cost:.0%} of a worker's throughput")


if __name__ == "__main__":
    main()
