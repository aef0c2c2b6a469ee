"""POST /api/v1/analyze: scores and reasons for a text, nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from service.storage import db
from service.storage.tables import Comment
from tests.worker.test_worker import BENIGN, SPAM


def analyze(client, payload, **kwargs):
    return client.post("/api/v1/analyze", json=payload, **kwargs)


def test_scores_and_reasons_for_a_text(app, client):
    spam = analyze(client, {"text": SPAM})
    benign = analyze(client, {"text": BENIGN})
    assert spam.status_code == benign.status_code == 200
    spam, benign = spam.get_json(), benign.get_json()
    assert spam["spam"] > 0.5 > benign["spam"]
    assert benign["toxicity"] < 0.5
    assert set(spam["labels"]) >= {"spam", "toxicity"}
    for reason in spam["reasons"]:
        assert SPAM[reason["start"] : reason["end"]] == reason["text"]
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_bad_input(client):
    assert analyze(client, {}).get_json()["error"]["fields"] == {"text": "is required"}
    assert analyze(client, {"text": 3}).get_json()["error"]["fields"] == {
        "text": "must be a string"
    }
    assert analyze(client, {"text": "x" * 6000}).status_code == 413
    assert client.post("/api/v1/analyze", data="text=hi").status_code == 415


def test_analyze_is_rate_limited(make_app):
    client = make_app(rate_limit_analyze="2/minute").test_client()
    codes = [analyze(client, {"text": "hello"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
