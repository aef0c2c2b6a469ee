"""A site's comments as a download: from the admin pages and the API (admins only), streamed,
and what it gives imports into a fresh site with the same threads and statuses."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from service.cli.main import cli
from service.domain.sites import ensure_site
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Thread
from tests.web.moderation.test_api import bearer
from tests.web.test_api_comments import GOOD


def test_an_admin_downloads_the_export_and_it_imports_elsewhere(app, env, login, comment_in,
                                                                tmp_path):  # fmt: skip
    first = comment_in(CommentStatus.APPROVED, body="The first comment.")
    comment_in(CommentStatus.SPAM, body="Buy watches", thread="other-post")
    comment_in(CommentStatus.HELD, body="A reply.", parent_id=first)
    admin = login("admin")
    settings = admin.get("/moderate/sites/demo/settings").text
    assert "/moderate/sites/demo/export" in settings
    download = admin.get("/moderate/sites/demo/export?format=json")
    assert download.status_code == 200 and download.mimetype == "application/x-ndjson"
    assert 'filename="sieve-demo-' in download.headers["Content-Disposition"]
    lines = [json.loads(line) for line in download.text.splitlines()]
    assert lines[0]["sieve_export"] == 1 and lines[0]["site"]["slug"] == "demo"
    assert all("author_email_hash" not in line for line in lines)
    export = tmp_path / "demo.jsonl"
    export.write_text(download.text, encoding="utf-8")

    with app.app_context(), db.session_scope() as session:
        ensure_site(session, "copy", "Copy", ["https://copy.example"])
    result = CliRunner().invoke(cli, ["import", "json", str(export), "--site", "copy"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.session_scope() as session:

        def shape(slug: str) -> list[tuple]:
            rows = session.execute(
                select(Thread.key, Comment.body, Comment.status, Comment.depth)
                .join(Thread, Thread.id == Comment.thread_id)
                .where(Thread.site.has(slug=slug))
                .order_by(Thread.key, Comment.body)
            )
            return [tuple(row) for row in rows]

        assert shape("copy") == shape("demo") and len(shape("demo")) == 3


def test_the_export_api_is_for_admins_and_checks_its_parameters(client, token_for):
    client.post("/api/v1/comments", json=GOOD)
    admin = bearer(token_for("admin"))
    csv_export = client.get("/api/v1/sites/demo/export?format=csv", headers=admin)
    assert csv_export.status_code == 200 and csv_export.mimetype == "text/csv"
    header, row = csv_export.text.splitlines()[:2]
    assert "body" in header and GOOD["body"] in row and "email" not in header
    private = client.get("/api/v1/sites/demo/export?format=csv&include_private=true",
                         headers=admin)  # fmt: skip
    assert "author_email_hash" in private.text.splitlines()[0]
    bad = client.get("/api/v1/sites/demo/export?format=xml&include_private=maybe", headers=admin)
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["fields"]) == {"format", "include_private"}
    assert client.get("/api/v1/sites/nowhere/export", headers=admin).status_code == 404
    assert (
        client.get("/api/v1/sites/demo/export", headers=bearer(token_for("demo"))).status_code
        == 403
    )
