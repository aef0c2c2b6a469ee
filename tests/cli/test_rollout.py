"""`sieve model shadow`, `promote` and `status` in-process: checked before anything changes,
audited, followed by the web process without a restart; a shadow model decides nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from models import load_classifier
from models.artifact import MODEL_FILE
from service.cli.main import cli
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import ChangeEvent, Comment, ShadowScore
from tests.web.test_api_comments import GOOD

LIVE = load_classifier().version


def sieve(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def live_version(app) -> str:
    with app.app_context():
        holder = classifier_holder()
        holder.refresh(force=True)
        return holder.load().version


def model_info(client) -> dict[str, str]:
    """role -> version, from /metrics."""
    text = client.get("/metrics").text
    return {line.split('role="')[1].split('"')[0]: line.split('version="')[1].split('"')[0]
            for line in text.splitlines() if line.startswith("sieve_model_info{")}  # fmt: skip


@pytest.fixture
def candidate(tiny_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "candidate"))


def test_promote_switches_the_web_process_and_previous_switches_back(env, candidate):
    app = env
    client = app.test_client()
    assert model_info(client) == {"live": LIVE}
    shown = sieve("model", "promote", str(candidate))
    assert "live model tiny-1" in shown
    assert live_version(app) == "tiny-1"
    assert model_info(client) == {"live": "tiny-1"}
    assert client.get("/readyz").get_json()["checks"]["model"]["version"] == "tiny-1"

    assert LIVE in sieve("model", "promote", "--previous")
    assert live_version(app) == LIVE
    assert "tiny-1" in sieve("model", "promote", "--previous")  # and forward again
    status = json.loads(sieve("model", "status", "--json"))
    assert status["live"] == {"version": "tiny-1", "path": str(candidate.resolve())}
    assert [change["version"] for change in status["history"]] == ["tiny-1", LIVE, "tiny-1"]
    with app.app_context(), db.session_scope() as session:
        changes = session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
        actions = [(c.action, c.before["model"], c.after["model"], c.via) for c in changes]
    assert actions == [
        ("model_promoted", None, "tiny-1", "cli"),
        ("model_rollback", "tiny-1", LIVE, "cli"),
        ("model_rollback", LIVE, "tiny-1", "cli"),
    ]


def default_dir(app) -> str:
    with app.app_context():
        return classifier_holder().default_dir


def test_a_model_that_fails_its_checks_is_refused_and_the_live_one_stays(env, candidate):
    app = env
    data = bytearray((candidate / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (candidate / MODEL_FILE).write_bytes(bytes(data))
    refused = sieve("model", "promote", str(candidate), code=1)
    assert "does not match the SHA-256" in refused and "the live model stays" in refused
    assert "not a folder" in sieve("model", "promote", str(candidate / "nowhere"), code=1)
    assert "already the live model" in sieve("model", "promote", default_dir(app), code=1)
    assert "no model was ever promoted" in sieve("model", "promote", "--previous", code=1)
    assert "is the live model" in sieve("model", "shadow", default_dir(app), code=1)
    assert live_version(app) == LIVE
    with app.app_context(), db.session_scope() as session:
        assert session.scalars(select(ChangeEvent)).all() == []


def test_a_promoted_model_this_process_cannot_load_leaves_the_live_one(env, candidate):
    """Promoted from a host where the folder exists, say: this process keeps deciding with the
    model it has, and says why on /readyz."""
    app = env
    client = app.test_client()
    assert live_version(app) == LIVE
    sieve("model", "promote", str(candidate))
    shutil.rmtree(candidate)  # the folder is not there for this process
    assert live_version(app) == LIVE
    model = client.get("/readyz").get_json()["checks"]["model"]
    assert model["status"] == "ok" and model["version"] == LIVE
    assert "cannot be loaded here" in model["problem"]


def test_a_shadow_model_scores_apart_and_decides_nothing(env, candidate, run_worker):
    app = env
    client = app.test_client()
    spam = "FREE MONEY!!! subscribe to my channel http://bit.ly/free-money-now and win $$$"
    bodies = [GOOD["body"], spam, "You are a worthless idiot and everyone hates you."]
    sieve("model", "shadow", str(candidate))
    ids = [client.post("/api/v1/comments", json={**GOOD, "body": b}).get_json()["id"]
           for b in bodies]  # fmt: skip
    run_worker()
    live = load_classifier()
    with app.app_context(), db.session_scope() as session:
        decided = [session.get(Comment, cid) for cid in ids]
        shadow = {s.comment_id: s for s in session.scalars(select(ShadowScore))}
        for comment, judgement in zip(decided, live.score(bodies, explain=False), strict=True):
            assert comment.model_version == LIVE
            assert comment.scores == pytest.approx(judgement.labels, abs=2e-6)
            assert comment.status is not CommentStatus.PENDING
            assert shadow[comment.id].model_version == "tiny-1"
            assert shadow[comment.id].scores != comment.scores
    assert model_info(client) == {"live": LIVE, "shadow": "tiny-1"}
    report = json.loads(sieve("model", "compare", "--json"))
    assert report["candidate_version"] == "tiny-1" and report["count"] == 3

    # Off: once the worker has looked (within seconds), comments are scored by the live model only.
    assert "off" in sieve("model", "shadow", "--off")
    live_version(app)
    later = client.post("/api/v1/comments", json={**GOOD, "body": "Thanks, very clear."})
    run_worker()
    with app.app_context(), db.session_scope() as session:
        assert (
            session.scalar(
                select(ShadowScore).where(ShadowScore.comment_id == later.get_json()["id"])
            )
            is None
        )
    assert model_info(client) == {"live": LIVE}


def test_a_failing_shadow_model_costs_the_live_decisions_nothing(env, candidate, run_worker,
                                                                 monkeypatch):  # fmt: skip
    import worker.jobs

    def broken(*_args, **_kwargs):
        raise RuntimeError("the shadow model crashed")

    monkeypatch.setattr(worker.jobs, "score_in_shadow", broken)
    app = env
    sieve("model", "shadow", str(candidate))
    cid = app.test_client().post("/api/v1/comments", json=GOOD).get_json()["id"]
    run_worker()
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, cid).status is CommentStatus.APPROVED


def test_shadow_and_promote_say_what_they_need(env):
    assert "give a model folder, or --off" in sieve("model", "shadow", code=2)
    assert "give a model folder, or --previous" in sieve("model", "promote", code=2)
