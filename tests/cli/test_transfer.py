"""`sieve import` and `sieve export`: export files written here in each product's format (see
tests/domain/test_transfer.py), imported into the test database, exported and imported again."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from service.cli.main import cli
from service.domain.fingerprint import text_fingerprint
from service.domain.privacy import email_hash, ip_hash
from service.domain.sites import ensure_site, find_site
from service.domain.transfer.export import CSV_COLUMNS, PRIVATE_COLUMNS
from service.storage import db
from service.storage.tables import Comment, Thread
from tests.conftest import TEST_SECRET
from tests.domain.test_transfer import DISQUS, write_disqus, write_isso, write_wxr


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def imported(app, slug: str = "demo") -> dict[str, dict]:
    """The site's comments by body: their thread, place in the tree, status and times."""
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, slug)
        comments = session.scalars(select(Comment).where(Comment.site_id == site.id)).all()
        by_id = {c.id: c for c in comments}
        return {
            c.body: {
                "thread": (c.thread.key, c.thread.url, c.thread.title),
                "parent": by_id[c.parent_id].body if c.parent_id else None,
                "root": by_id[c.root_id].body if c.root_id else None,
                "depth": c.depth,
                "status": c.status.value,
                "reason_codes": c.reason_codes,
                "created_at": c.created_at,
                "decided_at": c.decided_at,
                "decided_by": c.decided_by,
                "scores": c.scores,
                "model_version": c.model_version,
                "author_name": c.author_name,
            }
            for c in comments
        }


def counts(app) -> tuple[int, int]:
    with app.app_context(), db.session_scope() as session:
        return (
            len(session.scalars(select(Comment.id)).all()),
            len(session.scalars(select(Thread.id)).all()),
        )


def test_disqus_import_keeps_threads_nesting_dates_and_statuses_and_runs_once(env, tmp_path):
    path = write_disqus(tmp_path)
    result = run("import", "disqus", str(path), "--site", "demo")
    assert result.exit_code == 0, result.output
    assert "6 comments imported, 2 threads created, 0 skipped" in result.stdout
    assert "by status: 3 approved, 1 held, 1 rejected, 1 spam" in result.stdout

    comments = imported(env)
    hello = ("post-hello", "https://blog.example.com/2012/12/hello-world/", "Hello world")
    about = ("/about/?lang=en", "https://blog.example.com/about/?lang=en", "About & contact")
    first = "First!\nNice post & a sieve (https://en.wikipedia.org/wiki/Sieve)\n\nBye"
    assert comments[first]["thread"] == hello
    assert comments["Something I regret"]["thread"] == about
    deep = comments["A reply to a reply, read before its parent"]
    assert (deep["parent"], deep["root"], deep["depth"]) == ("A reply", first, 2)
    assert (comments["A reply"]["parent"], comments["A reply"]["depth"]) == (first, 1)
    assert comments[first]["created_at"] == datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)
    assert comments[first]["decided_at"] == comments[first]["created_at"]
    assert {body: (c["status"], c["reason_codes"]) for body, c in comments.items()} == {
        first: ("approved", []),
        "A reply": ("approved", []),
        "A reply to a reply, read before its parent": ("approved", []),
        "Cheap pills at http://spam.example": ("spam", []),
        "Something I regret": ("rejected", ["DELETED"]),
        "Waiting for a moderator": ("held", []),
    }
    assert {c["decided_by"] for c in comments.values()} == {"import"}

    with env.app_context(), db.session_scope() as session:
        rows = session.scalars(select(Comment).order_by(Comment.id)).all()
        alice = next(c for c in rows if c.author_name == "Alice")
        assert alice.author_email_hash == email_hash(TEST_SECRET, "alice@example.com")
        assert alice.ip_hash == ip_hash(TEST_SECRET, "198.51.100.7")
        assert alice.import_ref == "disqus:3001" and alice.fingerprint == text_fingerprint(first)
        assert all(c.scores is None and c.priority == 0.0 for c in rows)
        # Left unscored (SQL NULL), so that a backfill finds them.
        assert session.scalar(select(Comment.id).where(Comment.scores.is_not(None))) is None
        stored = " ".join(str(value) for c in rows for value in vars(c).values())
    assert "@example" not in stored and "198.51.100" not in stored

    again = run("import", "disqus", str(path), "--site", "demo")
    assert again.exit_code == 0, again.output
    assert "0 comments imported, 0 threads created, 6 skipped (6 already imported)" in again.stdout
    assert counts(env) == (6, 2)


def test_wordpress_import_skips_pingbacks_and_keeps_replies(env, tmp_path):
    result = run("import", "wordpress", str(write_wxr(tmp_path)), "--site", "demo")
    assert result.exit_code == 0, result.output
    assert "5 comments imported, 2 threads created, 1 skipped (1 pingbacks)" in result.stdout
    comments = imported(env)
    assert comments["Win big at the casino"]["status"] == "spam"
    assert comments["Win big at the casino"]["parent"] == "A reply awaiting moderation"
    assert comments["Win big at the casino"]["depth"] == 2
    assert comments["A reply awaiting moderation"]["status"] == "held"
    assert comments["Binned"]["reason_codes"] == ["DELETED"]
    assert comments["Nice page"]["thread"] == ("/about/", "https://wp.example.com/about/", "About")
    again = run("import", "wordpress", str(write_wxr(tmp_path)), "--site", "demo")
    assert "0 comments imported" in again.stdout and counts(env) == (5, 2)


def test_isso_import_keeps_modes_and_nesting(env, tmp_path):
    result = run("import", "isso", str(write_isso(tmp_path)), "--site", "demo")
    assert result.exit_code == 0, result.output
    assert "4 comments imported, 2 threads created" in result.stdout
    assert "by status: 2 approved, 1 held, 1 rejected" in result.stdout
    comments = imported(env)
    reply = comments["Reply to the reply"]
    assert (reply["parent"], reply["root"], reply["depth"]) == (
        "Pending reply", "Isso *rocks*\n\n> quoted", 2
    )  # fmt: skip
    assert reply["created_at"] == datetime(2012, 12, 12, 14, 12, 12, tzinfo=UTC)
    assert reply["thread"] == ("/blog/hello/", "/blog/hello/", "Hello")
    assert comments[""]["reason_codes"] == ["DELETED"]


@pytest.mark.parametrize("broken", ["truncated", "unknown thread"])
def test_a_broken_file_is_refused_with_its_line_and_nothing_is_written(
    env, tmp_path, monkeypatch, broken
):
    # Small batches, so that comments were written before the error was found.
    monkeypatch.setattr("service.domain.transfer.writer.BATCH", 2)
    if broken == "truncated":
        text = DISQUS[: DISQUS.index("Something I regret")]
        expected = f"line {text.count(chr(10)) + 1}: broken XML"
    else:
        marker = '<post dsq:id="3005">'
        text = DISQUS.replace('<thread dsq:id="2002"/>\n  </post>', '<thread dsq:id="99"/></post>')
        expected = f"line {text[: text.index(marker)].count(chr(10)) + 1}: names thread 99"
    result = run("import", "disqus", str(write_disqus(tmp_path, text)), "--site", "demo")
    assert result.exit_code == 1
    assert f"disqus-export.xml {expected}" in result.output
    assert "nothing was imported" in result.output
    assert counts(env) == (0, 0)


def test_a_file_that_is_not_an_isso_database_is_refused(env, tmp_path):
    result = run("import", "isso", str(write_disqus(tmp_path)), "--site", "demo")
    assert result.exit_code == 1 and "not an Isso database" in result.output
    result = run("import", "disqus", str(write_disqus(tmp_path)), "--site", "nowhere")
    assert result.exit_code == 1 and "there is no site 'nowhere'" in result.output


def _score_one(app) -> None:
    with app.app_context(), db.session_scope() as session:
        session.execute(
            update(Comment)
            .where(Comment.import_ref == "disqus:3004")
            .values(scores={"spam": 0.97, "toxicity": 0.1}, model_version="m1",
                    reason_codes=["SPAM_LINKS"])
        )  # fmt: skip


def test_export_then_import_into_a_fresh_site_gives_the_same_comments(env, tmp_path):
    assert run("import", "disqus", str(write_disqus(tmp_path)), "--site", "demo").exit_code == 0
    _score_one(env)
    before = imported(env)
    out = tmp_path / "demo.jsonl"
    result = run("export", "--site", "demo", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["sieve_export"] == 1 and lines[0]["site"]["slug"] == "demo"
    assert [line["type"] for line in lines[1:]].count("thread") == 2
    assert lines[1] == {"type": "thread", "key": "post-hello", "title": "Hello world",
                        "url": "https://blog.example.com/2012/12/hello-world/",
                        "created_at": "2012-12-12T10:00:00+00:00"}  # fmt: skip
    assert all("ip_hash" not in line and "author_email_hash" not in line for line in lines)
    private = run("export", "--site", "demo", "--include-private")
    alice = next(json.loads(line) for line in private.stdout.splitlines() if "Alice" in line)
    assert alice["author_email_hash"] == email_hash(TEST_SECRET, "alice@example.com")

    refused = run("import", "json", str(out))
    assert refused.exit_code == 1 and "an export of site demo itself" in refused.output

    # Another installation: a site of the same name, created afresh; the file names it.
    with env.app_context(), db.session_scope() as session:
        session.delete(find_site(session, "demo"))
    with env.app_context(), db.session_scope() as session:
        ensure_site(session, "demo", "Demo blog", [])
    result = run("import", "json", str(out))
    assert result.exit_code == 0, result.output
    assert "6 comments imported, 2 threads created" in result.stdout
    assert imported(env) == before
    again = run("import", "json", str(out), "--site", "demo")
    assert "0 comments imported" in again.stdout and counts(env) == (6, 2)


def test_csv_export_has_the_columns_and_hashes_only_when_asked(env, tmp_path):
    assert run("import", "disqus", str(write_disqus(tmp_path)), "--site", "demo").exit_code == 0
    _score_one(env)
    with env.app_context(), db.session_scope() as session:
        session.execute(update(Comment).where(Comment.import_ref == "disqus:3005").values(
            body="=HYPERLINK(\"http://evil.example\")"))  # fmt: skip
    alice = email_hash(TEST_SECRET, "alice@example.com")

    result = run("export", "--site", "demo", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == 6
    assert alice not in result.stdout
    spam = next(row for row in rows if row["author_name"] == "Pills")
    assert (spam["thread_key"], spam["status"], spam["created_at"]) == (
        "post-hello", "spam", "2012-12-12T15:00:00+00:00"
    )  # fmt: skip
    assert json.loads(spam["scores"]) == {"spam": 0.97, "toxicity": 0.1}
    assert json.loads(spam["reason_codes"]) == ["SPAM_LINKS"]
    reply = next(row for row in rows if row["body"] == "A reply")
    first = next(row for row in rows if row["author_name"] == "Alice")
    assert reply["parent_id"] == first["id"]
    # A spreadsheet must show a commenter's formula, not run it.
    assert {row["body"] for row in rows} >= {'\'=HYPERLINK("http://evil.example")'}

    private = run("export", "--site", "demo", "--format", "csv", "--include-private")
    rows = list(csv.DictReader(io.StringIO(private.stdout)))
    assert list(rows[0]) == CSV_COLUMNS + PRIVATE_COLUMNS
    assert next(row for row in rows if row["author_name"] == "Alice")["author_email_hash"] == alice


def test_score_queues_a_backfill_that_a_worker_runs(env, tmp_path, run_worker):
    result = run("import", "disqus", str(write_disqus(tmp_path)), "--site", "demo", "--score")
    assert result.exit_code == 0, result.output
    assert "queued 1 of 1 scoring batches" in result.stdout
    before = {body: c["status"] for body, c in imported(env).items()}
    run_worker()
    after = imported(env)
    assert {body: c["status"] for body, c in after.items()} == before
    assert all(c["scores"] and c["model_version"] for c in after.values())
