"""The compatible APIs under a steady load: p50/p99 of ``comments:analyze`` (Perspective) and
``comment-check`` (Akismet) at 50 requests/s, answered synchronously as their clients expect
(Coral gives up after 800 ms), and the web processes' memory beside it.

Scoring happens in the web process: each gunicorn process loads the model once (``--preload``
shares it copy-on-write), every thread of it uses that one copy.

    .venv/bin/python bench/compat.py [--rate 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from load import _phrase, paced
from stack import Stack

WEB_WORKERS = 2
WEB_THREADS = 4
SAMPLES = (
    "Thanks for the clear write-up, the part about caching was useful {0}.",
    "You are a complete idiot and your article is garbage {0}.",
    "Check out my channel www.best-beats-{0}.example and subscribe!!!",
    "I grew up near that harbour; the photos of the fish market brought it all back {0}.",
)


def analyze_request(n: int, key: str) -> tuple[str, str, str, dict[str, str]]:
    text = SAMPLES[n % len(SAMPLES)].format(_phrase(n))
    body = {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    headers = {"Content-Type": "application/json"}
    return "POST", f"/v1alpha1/comments:analyze?key={key}", json.dumps(body), headers


def comment_check_request(n: int, key: str) -> tuple[str, str, str, dict[str, str]]:
    form = {
        "api_key": key,
        "blog": "http://127.0.0.1/",
        "user_ip": f"10.0.{n % 250}.{n % 200 + 1}",
        "user_agent": "Mozilla/5.0",
        "comment_type": "comment",
        "comment_author": f"Reader {n % 300}",
        "comment_content": SAMPLES[n % len(SAMPLES)].format(_phrase(n)),
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return "POST", "/1.1/comment-check", urlencode(form), headers


def site_key(stack: Stack) -> str:
    from service import create_app
    from service.domain.audit import Actor
    from service.domain.site_keys import create_key
    from service.domain.sites import find_site
    from service.settings import load_settings
    from service.storage import db

    app = create_app(load_settings(stack.env()))
    with app.app_context(), db.session_scope() as session:
        key, _ = create_key(session, find_site(session, "demo"), "bench", Actor.terminal())
    with app.app_context():
        db.engine().dispose()
    return key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sieve-bench-compat-"))
    stack = Stack(workdir)
    try:
        key = site_key(stack)
        base = stack.start_web(
            "sieve-web", "service.wsgi:app", 8110, WEB_WORKERS, WEB_THREADS,
            SIEVE_RATE_LIMIT_KEY="1000000/minute",
        )  # fmt: skip
        # Warm each process (first call loads nothing, but fills caches) before measuring.
        paced(base, 20, 1, lambda n: analyze_request(n, key))
        print(
            f"compatible APIs, steady {args.rate}/s for {args.seconds} s each; gunicorn "
            f"{WEB_WORKERS} processes x {WEB_THREADS} threads, scoring in the web process",
            flush=True,
        )
        for name, build in (
            ("comments:analyze (Perspective)", analyze_request),
            ("comment-check (Akismet)", comment_check_request),
        ):
            result = paced(base, args.rate, args.seconds, lambda n, b=build: b(n, key))
            print(
                f"  {name:<32} p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                f"max {result['max_ms']:6.1f} ms  answered {result['answered']}  "
                f"errors {result['errors']} {result['first_error'] or ''}",
                flush=True,
            )
        rss, pss = stack.memory_mb("sieve-web")
        print(f"  web memory after the runs: PSS {pss:.0f} MB, RSS {rss:.0f} MB "
              f"({WEB_WORKERS} processes + master)")  # fmt: skip
    finally:
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
