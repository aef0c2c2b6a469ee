"""Comments imported per second from a Disqus export into PostgreSQL (`sieve import disqus`).

Writes a synthetic Disqus export (a few hundred threads, a third of the comments replies, some
spam, deleted and pending) to a temporary file, creates a database of its own on the server of
DATABASE_URL (default the local PostgreSQL), runs the command in this process and drops the
database afterwards.

    .venv/bin/python bench/import_rate.py [--comments 50000] [--threads 300]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-" + "x" * 40
WORDS = ("the", "a", "sieve", "comment", "thread", "reply", "spam", "ham", "moderation", "good",
         "point", "agree", "read", "post")  # fmt: skip

HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <category dsq:id="1"><forum>bench</forum><title>General</title><isDefault>true</isDefault>
  </category>
"""
THREAD = """  <thread dsq:id="{id}">
    <id>bench-{id}</id><forum>bench</forum><category dsq:id="1"/>
    <link>https://bench.example/posts/{id}/</link><title>Post number {id}</title>
    <createdAt>2015-01-01T00:00:00Z</createdAt><isClosed>false</isClosed>
    <isDeleted>false</isDeleted>
  </thread>
"""
POST = """  <post dsq:id="{id}">
    <id/>
    <message><![CDATA[<p>{text}</p><p>See <a href="https://example.com/{id}">this</a></p>]]></message>
    <createdAt>{created}</createdAt>
    <isDeleted>{deleted}</isDeleted>
    <isSpam>{spam}</isSpam>
    <isApproved>{approved}</isApproved>
    <author><email>user{author}@example.com</email><name>User {author}</name>
      <isAnonymous>false</isAnonymous><username>user{author}</username></author>
    <ipAddress>198.51.100.{ip}</ipAddress>
    <thread dsq:id="{thread}"/>{parent}
  </post>
"""


def write_export(path: Path, comments: int, threads: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    posts_of: dict[int, list[int]] = {t: [] for t in range(1, threads + 1)}
    start = 1_420_070_400  # 2015-01-01
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        out.writelines(THREAD.format(id=t) for t in posts_of)
        for number in range(1, comments + 1):
            post_id, thread = 100_000 + number, rng.randint(1, threads)
            earlier = posts_of[thread]
            parent = rng.choice(earlier) if earlier and rng.random() < 0.35 else None
            earlier.append(post_id)
            roll = rng.random()
            out.write(
                POST.format(
                    id=post_id,
                    text=" ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
                    created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + number * 60)),
                    deleted=str(0.02 <= roll < 0.04).lower(),
                    spam=str(roll < 0.02).lower(),
                    approved=str(not 0.04 <= roll < 0.06).lower(),
                    author=rng.randint(1, comments // 5 + 1),
                    ip=rng.randint(1, 254),
                    thread=thread,
                    parent=f'\n    <parent dsq:id="{parent}"/>' if parent else "",
                )
            )
        out.write("</disqus>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=300)
    args = parser.parse_args()

    name = f"sieve_bench_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER).set(drivername="postgresql+psycopg", database=name)
    url = url.render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            export = Path(workdir) / "disqus.xml"
            write_export(export, args.comments, args.threads)
            size_mb = export.stat().st_size / 1e6
            seconds, imported = run_import(url, Path(workdir), export)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(export of {size_mb:.0f} MB; peak memory of this process {peak_mb:.0f} MB)")
        print(
            f"import, Disqus into PostgreSQL   {imported / seconds:,.0f} comments/s "
            f"({imported:,} comments, {seconds:.1f} s)"
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_import(url: str, workdir: Path, export: Path) -> tuple[float, int]:
    """Migrate, add the site, then time `sieve import disqus` as a user runs it."""
    from service import create_app
    from service.cli.main import cli
    from service.domain.sites import ensure_site
    from service.settings import load_settings
    from service.storage import db

    db.upgrade(url)
    environ = {
        "DATABASE_URL": url,
        "SIEVE_SECRET_KEY": SECRET,
        "SIEVE_DATA_DIR": str(workdir),
        "SIEVE_LOG_LEVEL": "WARNING",
    }
    os.environ.update(environ)
    app = create_app(load_settings(environ))
    with app.app_context():
        with db.session_scope() as session:
            ensure_site(session, "bench", "Bench", ["https://bench.example"])
        db.engine().dispose()
    started = time.perf_counter()
    cli.main(["import", "disqus", str(export), "--site", "bench"], standalone_mode=False)
    seconds = time.perf_counter() - started
    engine = create_engine(url)
    with engine.connect() as connection:
        imported = connection.execute(text("SELECT count(*) FROM comments")).scalar_one()
    engine.dispose()
    return seconds, imported


if __name__ == "__main__":
    main()
