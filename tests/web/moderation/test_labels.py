"""Moderator decisions become training labels that the model commands read."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from service.cli.main import cli
from service.domain.decisions import decide
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Moderator
from tests.web.moderation.fixtures import PASSWORD  # noqa: F401  (accounts fixture's password)


def moderate(app, comment_id: int, action: str, reason: str | None = None) -> None:
    with app.app_context(), db.session_scope() as session:
        moderator = session.query(Moderator).filter_by(email="demo@example.org").one()
        decide(session, session.get(Comment, comment_id), action, moderator, reason)


def test_export_labels_then_evaluate_the_model_on_them(app, config, accounts, comment_in,
                                                       tmp_path, monkeypatch):  # fmt: skip
    approved = comment_in(CommentStatus.HELD, body="Thanks, this helped me fix my build.")
    toxic = comment_in(CommentStatus.HELD, body="you are a worthless idiot")
    spam = comment_in(CommentStatus.HELD, body="cheap pills here http://pills.example")
    off_topic = comment_in(CommentStatus.HELD, body="What is everyone having for lunch?")
    comment_in(CommentStatus.HELD, body="never decided by a human")
    moderate(app, approved, "approve")
    moderate(app, toxic, "reject", "INSULT")
    moderate(app, spam, "spam")
    moderate(app, off_topic, "reject", "OFF_TOPIC")

    for name in ("database_url", "redis_url", "secret_key"):
        monkeypatch.setenv(name.upper() if name != "secret_key" else "SIEVE_SECRET_KEY",
                           str(config[name]))  # fmt: skip
    out = tmp_path / "labels.csv"
    result = CliRunner().invoke(cli, ["model", "export-labels", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 3 labelled comments" in result.output
    with out.open() as handle:
        rows = {r["text"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {
        "Thanks, this helped me fix my build.", "you are a worthless idiot",
        "cheap pills here http://pills.example",
    }  # fmt: skip
    assert (
        rows["you are a worthless idiot"]["toxicity"],
        rows["you are a worthless idiot"]["insult"],
    ) == ("1", "1")
    assert rows["cheap pills here http://pills.example"]["spam"] == "1"
    assert rows["Thanks, this helped me fix my build."]["toxicity"] == "0"
    assert "@" not in out.read_text()  # no emails in training data

    evaluated = CliRunner().invoke(cli, ["model", "eval", "--data", str(out), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert "labels.csv" in json.dumps(report)
