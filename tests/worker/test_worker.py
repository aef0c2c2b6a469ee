"""Scoring jobs: called directly, and through a real RQ worker in burst mode."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, ModerationEvent, utcnow
from tests.web.test_api_comments import GOOD

BENIGN = "Great article, thanks for explaining how the cache invalidation works."
SPAM = "FREE MONEY!!! subscribe to my channel http://bit.ly/free-money-now and win $$$"


def submit(client, body: str, **extra) -> int:
    response = client.post("/api/v1/comments", json={**GOOD, "body": body, **extra})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def stored(app, comment_id: int) -> Comment:
    with app.app_context(), db.session_scope() as session:
        return session.get(Comment, comment_id)


def events(app, comment_id: int) -> list[ModerationEvent]:
    with app.app_context(), db.session_scope() as session:
        query = select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
        return list(session.scalars(query))


def listed_ids(client) -> list[int]:
    page = client.get("/api/v1/threads/comments?site=demo&thread=hello-world").get_json()
    return [comment["id"] for comment in page["comments"]]


def test_burst_worker_approves_benign_and_keeps_spam_out_of_the_thread(app, client, run_worker):
    benign, spam = submit(client, BENIGN), submit(client, SPAM)
    run_worker()

    good = stored(app, benign)
    assert good.status is CommentStatus.APPROVED
    assert good.decided_by == "model" and good.decided_at >= good.created_at
    assert set(good.scores) >= {"spam", "toxicity"}
    assert good.model_version
    bad = stored(app, spam)
    assert bad.status in (CommentStatus.SPAM, CommentStatus.HELD)
    assert "SPAM" in bad.reason_codes
    assert listed_ids(client) == [benign]
    assert client.get(f"/api/v1/comments/{benign}").get_json()["status"] == "approved"
    [event] = events(app, spam)
    assert (event.from_status, event.to_status) == (CommentStatus.PENDING, bad.status)
    assert event.actor.startswith("model:")


def test_running_the_same_job_twice_is_harmless(app, client, run_worker):
    from worker.jobs import score_comments

    comment_id = submit(client, BENIGN)
    run_worker()
    first = stored(app, comment_id)
    assert score_comments([comment_id]) == {}
    again = stored(app, comment_id)
    assert (again.status, again.decided_at) == (first.status, first.decided_at)
    assert len(events(app, comment_id)) == 1


def test_a_job_never_overrides_a_moderator(app, client):
    from worker.jobs import score_comments

    comment_id = submit(client, SPAM)
    with app.app_context(), db.session_scope() as session:
        session.get(Comment, comment_id).status = CommentStatus.APPROVED
    assert score_comments([comment_id]) == {}
    assert stored(app, comment_id).status is CommentStatus.APPROVED


def test_a_batch_write_skips_the_comment_a_moderator_decided_meanwhile(app, client):
    """The moderator wins a race with a batch: only the still-pending comments are written."""
    from worker.scoring import Change, _decide_pending

    raced, calm = submit(client, SPAM), submit(client, BENIGN)
    with app.app_context(), db.session_scope() as session:
        session.get(Comment, raced).status = CommentStatus.APPROVED  # after the worker read it
    changes = [
        Change(cid, CommentStatus.SPAM, reason="SPAM", values={"reason_codes": ["SPAM"]})
        for cid in (raced, calm)
    ]
    with app.app_context(), db.session_scope() as session:
        written = _decide_pending(
            session, changes, actor="model:test", action="score", now=utcnow()
        )

    assert written == {calm}
    assert stored(app, raced).status is CommentStatus.APPROVED and events(app, raced) == []
    assert stored(app, calm).status is CommentStatus.SPAM
    assert [e.to_status for e in events(app, calm)] == [CommentStatus.SPAM]


def test_one_job_scores_several_comments(app, client):
    from service.pipeline.broker import enqueue_scoring
    from worker.jobs import score_comments

    ids = [submit(client, f"{BENIGN} ({n})") for n in range(5)]
    with app.app_context():
        assert enqueue_scoring(ids)
    assert score_comments(ids) == {"approved": 5}


def test_premoderated_site_holds_clean_comments(app, client, run_worker):
    from service.domain.sites import find_site
    from service.storage.states import PreModeration

    with app.app_context(), db.session_scope() as session:
        find_site(session, "demo").premoderation = PreModeration.ALL
    comment_id = submit(client, BENIGN)
    run_worker()
    held = stored(app, comment_id)
    assert (held.status, held.reason_codes) == (CommentStatus.HELD, ["PREMODERATION"])
    assert client.get(f"/api/v1/comments/{comment_id}").get_json()["status"] == "held"


def test_sieve_worker_command_drains_the_queue(app, client, config, tmp_path):
    comment_id = submit(client, BENIGN)
    env = {
        "PATH": "/usr/bin:/bin",
        "SIEVE_ENV": "test",
        "SIEVE_SECRET_KEY": str(config["secret_key"]),
        "SIEVE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": str(config["database_url"]),
        "REDIS_URL": str(config["redis_url"]),
        "SIEVE_QUEUE": str(config["queue_name"]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stored(app, comment_id).status is CommentStatus.APPROVED


def test_worker_refuses_an_unmigrated_database(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SIEVE_DATA_DIR": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "worker", "--burst"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "run `sieve db upgrade` first" in done.stderr


def test_site_block_lists_reject_and_scores_set_the_queue_priority(app, client, run_worker):
    from service.domain.sites import find_site

    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        site.blocked_words = ["casino"]
        site.blocked_domains = ["pills.example"]
    word = submit(client, "Great post. Also, try the casino downtown!")
    domain = submit(client, "More at https://shop.pills.example/offer")
    fine = submit(client, BENIGN)
    run_worker()
    assert stored(app, word).status is CommentStatus.REJECTED
    assert stored(app, word).reason_codes == ["BLOCKED_WORD"]
    assert stored(app, domain).reason_codes == ["BLOCKED_DOMAIN"]
    scored = stored(app, fine)
    assert scored.status is CommentStatus.APPROVED
    assert scored.priority == pytest.approx(max(scored.scores.values()), abs=1e-5)


def test_a_text_many_authors_post_is_filed_as_a_campaign(app, client, run_worker):
    campaign = "Earn money from home with this one simple trick, ask me how"
    ids = [submit(client, campaign, author_email=f"bot{n}@example.org") for n in range(4)]
    thanks = [submit(client, "Thanks, great post!", author_email=f"r{n}@example.org")
              for n in range(4)]  # fmt: skip
    run_worker()
    for comment_id in ids:
        assert "REPEAT_POST" in stored(app, comment_id).reason_codes
        assert stored(app, comment_id).status is not CommentStatus.APPROVED
    assert {stored(app, i).status for i in thanks} == {CommentStatus.APPROVED}


def test_links_to_allowed_domains_and_to_the_site_itself_do_not_count(app, client, run_worker):
    """The stored score is the score of the text with those links blanked out."""
    from service.domain.sites import ensure_site, find_site
    from service.pipeline.classifier import classifier_holder

    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        site.allowed_origins = ["https://daily.example"]
        # A wire service the model does not know as a reference (reuters.com it already does).
        site.allowed_domains = ["newswire-agency.com"]
        ensure_site(session, "plain", "A site without a link policy", [])
    wire = "https://www.newswire-agency.com/world/europe/council-votes-on-the-budget-2026-11-25/"
    own = "https://daily.example/2026/11/council-vote"
    texts = {link: f"Good summary. The full report is at {link} for anyone interested."
             for link in (wire, own)}  # fmt: skip
    allowed = {link: submit(client, text) for link, text in texts.items()}
    plain = {link: submit(client, text, site="plain") for link, text in texts.items()}
    run_worker()

    with app.app_context():
        classifier = classifier_holder().load()
    for link, text in texts.items():
        start = text.index(link)
        [blanked] = classifier.score([text.replace(link, " " * len(link))])
        kept = stored(app, allowed[link])
        assert kept.scores["spam"] == pytest.approx(blanked.labels["spam"], abs=1e-6)
        assert kept.scores["spam"] < stored(app, plain[link]).scores["spam"] - 0.1
        # Nothing in the link is highlighted to the moderator as a reason either.
        assert not [r for r in kept.explanation if r["start"] < start + len(link)
                    and r["end"] > start]  # fmt: skip


def test_a_blocked_domain_still_rejects_beside_an_allowed_one(app, client, run_worker):
    from service.domain.sites import find_site

    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        site.allowed_domains = ["reuters.com"]
        site.blocked_domains = ["pills.example"]
    comment_id = submit(
        client, "See https://www.reuters.com/world/story and https://shop.pills.example/offer"
    )
    run_worker()
    rejected = stored(app, comment_id)
    assert (rejected.status, rejected.reason_codes) == (CommentStatus.REJECTED, ["BLOCKED_DOMAIN"])
