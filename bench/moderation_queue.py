"""Held-queue render time with 1,000,000 comments in PostgreSQL (issue: moderator review, scale).

Seeds a dedicated database (``sieve_bench_queue`` on the server of DATABASE_URL, default the local
PostgreSQL), then renders the moderator queue server-side through the real Flask app as a logged-in
admin: first page, a page deep into the queue reached by keyset cursors, per sort order and site.

    .venv/bin/python bench/moderation_queue.py [--comments 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NAME = "sieve_bench_queue"
PASSWORD = "bench password 123"
DEEP_PAGES = 80  # 2,000 comments in; the smallest queue here (one site) has 2,500


def seed(url: str, comments: int) -> None:
    from service.storage import db

    db.upgrade(url)
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (slug, name, allowed_origins, thresholds, premoderation,"
                " rate_limit_ip, rate_limit_site, blocked_words, blocked_domains, scoring_failure,"
                " created_at) SELECT 'site' || n, 'Site ' || n, '[]', '{}', 'none', '', '', '[]', '[]',"
                " 'hold', now() FROM generate_series(1, 20) n"
            )
        )
        connection.execute(
            text(
                "INSERT INTO threads (site_id, key, title, created_at)"
                " SELECT 1 + n % 20, 'post-' || n, 'Post ' || n, now() FROM generate_series(1, 2000) n"
            )
        )
        # 5% held, like a busy site's review queue; the rest decided long ago.
        connection.execute(
            text(
                "INSERT INTO comments (site_id, thread_id, depth, author_name, author_email_hash,"
                " body, status, scores, reason_codes, explanation, priority, fingerprint, created_at,"
                " decided_at, decided_by)"
                " SELECT 1 + (1 + (n / 20) % 2000) % 20, 1 + (n / 20) % 2000, 0, 'Author ' || (n % 5000),"
                " md5((n % 5000)::text), 'Comment number ' || n || ' with some ordinary words',"
                " CASE WHEN n % 20 = 0 THEN 'held' WHEN n % 7 = 0 THEN 'spam'"
                "      WHEN n % 11 = 0 THEN 'rejected' ELSE 'approved' END,"
                " json_build_object('spam', (n % 97) / 97.0, 'toxicity', (n % 89) / 89.0),"
                " '[\"TOXIC\"]', '[]', greatest((n % 97) / 97.0, (n % 89) / 89.0), md5((n % 3000)::text),"
                " now() - (n || ' seconds')::interval, now(), 'model'"
                f" FROM generate_series(1, {comments}) n"
            )
        )
    engine.dispose()
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"seeded {comments:,} comments in {time.perf_counter() - started:.1f} s")


def measure(client, url: str, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def deep_cursor(client, url: str, pages: int) -> str:
    for _ in range(pages):
        page = client.get(url).text
        match = re.search(r'href="([^"]*cursor=[^"]+)"', page)
        assert match, "ran out of pages"
        url = match.group(1).replace("&amp;", "&")
    return url


def run(url: str) -> None:
    from service import create_app
    from service.domain.accounts import create_moderator
    from service.storage import db
    from service.storage.states import Role

    app = create_app({"database_url": url, "env": "test", "secret_key": "b" * 40})
    with app.app_context(), db.session_scope() as session:
        if not session.execute(text("SELECT 1 FROM moderators LIMIT 1")).first():
            create_moderator(session, "bench@example.org", PASSWORD, Role.ADMIN, [])
    client = app.test_client()
    form = client.get("/moderate/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    login = {"email": "bench@example.org", "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/moderate/login", data=login).status_code == 302
    rows = []
    for sort in ("priority", "oldest"):
        for site in ("", "site3"):
            base = f"/moderate/?tab=held&sort={sort}&site={site}"
            first = measure(client, base)
            deep = measure(client, deep_cursor(client, base, DEEP_PAGES))
            rows.append((sort, site or "all sites", first, deep))
    deep_label = f"page {DEEP_PAGES + 1} ms"
    print(f"\n{'sort':10} {'site':10} {'first page ms':>14} {deep_label:>12}")
    for sort, site, first, deep in rows:
        print(f"{sort:10} {site:10} {first:14.1f} {deep:12.1f}")
    print(
        "(median of 15 server-side renders through the Flask app, 25 comments a page,"
        " tab counts included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse a seeded database")
    args = parser.parse_args()
    server = make_url(SERVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    url = server.set(drivername="postgresql+psycopg", database=NAME).render_as_string(False)
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": NAME}
        ).first()
        if exists and not args.keep:
            connection.execute(text(f'DROP DATABASE "{NAME}" WITH (FORCE)'))
        if not exists or not args.keep:
            connection.execute(text(f'CREATE DATABASE "{NAME}"'))
            seed(url, args.comments)
    run(url)


if __name__ == "__main__":
    main()
