"""The learning loop end to end on a real stack (database, Redis, RQ workers, the commands):

a site that pre-moderates everything receives comments from a validation split of the shared
datasets; a moderator decides them through the moderation API by their true labels; `sieve sites
tune` recommends thresholds from part of those decisions, and they make fewer errors than the
defaults on the part it did not see; a candidate trained with the site's exported labels scores
new comments in the shadow without changing a decision; `sieve model compare` matches what the
stored scores say; `sieve model promote` switches a running worker without a restart, and
`--previous` switches it back.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from models import load_classifier
from models.sources import SOURCES
from service.cli.main import cli
from service.domain.policy import allowed_link_domains, decide
from service.domain.sites import DEFAULT_THRESHOLDS, ensure_site, find_site, site_thresholds
from service.storage import db
from service.storage.states import CommentStatus, PreModeration
from service.storage.tables import Comment, ShadowScore
from tests.processes import Workers, wait_until

pytestmark = pytest.mark.slow

SITE = "loop"
# Per source: how many rows of its validation split the site receives.
SPLIT_SOURCES = {"youtube": 120, "youtube_extra": 40, "kaggle_insults": 145, "wiki_cat": 145}
MAX_BODY = 4000
HOLD_EVERYTHING = {"approve_below": 0.0, "reject_above": 1.0}
REJECT_REASON = {"spam": ("spam", None), "toxic": ("reject", "INSULT"), "good": ("approve", None)}


def in_validation_split(text: str) -> bool:
    """One row in five, fixed by a hash of its text."""
    return hashlib.sha256(text.encode()).digest()[0] % 5 == 0


def validation_comments(data: Path) -> list[tuple[str, str]]:
    """(text, truth) pairs, truth being spam, toxic or good: YouTube comments with their spam,
    news-site comments with their insults, and Wikipedia talk-page comments (long, many with
    links), shuffled as a comment section receives them."""
    rows = []
    for name, count in SPLIT_SOURCES.items():
        relative, loader = SOURCES[name]
        fits = [e for e in loader(data / relative) if 15 <= len(e.text.strip()) <= MAX_BODY]
        picked = [e for e in fits if in_validation_split(e.text)]
        for example in picked[:count]:
            labels = example.labels
            truth = "spam" if labels.get("spam") else "toxic" if labels.get("toxicity") else "good"
            rows.append((example.text, truth))
    random.Random(16).shuffle(rows)
    return rows


def sieve(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout  # log lines go to stderr


def submit(client, rows: list[tuple[str, str]], thread: str) -> dict[int, str]:
    """Post each comment through the public API; comment id -> truth."""
    made = {}
    for n, (text, truth) in enumerate(rows):
        response = client.post("/api/v1/comments", json={
            "site": SITE, "thread": thread, "body": text, "author_name": f"Reader {n}",
        })  # fmt: skip
        assert response.status_code == 202, response.get_json()
        made[response.get_json()["id"]] = truth
    return made


def moderate(client, token: str, truths: dict[int, str]) -> None:
    """The moderator decides each comment by its true label, through the moderation API."""
    for truth, (action, reason) in REJECT_REASON.items():
        ids = [cid for cid, t in truths.items() if t == truth]
        if ids:
            response = client.post(
                "/api/v1/moderation/decisions",
                json={"ids": ids, "action": action, **({"reason": reason} if reason else {})},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.get_json()


def comments(app, ids) -> list[Comment]:
    with app.app_context(), db.session_scope() as session:
        found = session.scalars(select(Comment).where(Comment.id.in_(list(ids)))).all()
        session.expunge_all()
        return sorted(found, key=lambda c: c.id)


def shadow_rows_of(app) -> list[ShadowScore]:
    with app.app_context(), db.session_scope() as session:
        return list(session.scalars(select(ShadowScore)))


def errors(scores: np.ndarray, harmful: np.ndarray, low: float, high: float) -> int:
    """Wrong automatic decisions (good comments rejected, harmful ones approved), computed here
    from scratch."""
    rejected, approved = scores >= high, scores < low
    return int((rejected & ~harmful).sum() + (approved & harmful).sum())


def label_data(found: list[Comment], truths: dict[int, str], label: str):
    """Scores and truth of one label over the comments whose decision says something of it:
    approved ones (0) and those refused for that label (1)."""
    refused_as = {"spam": "spam", "toxicity": "toxic"}[label]
    rows = [(c.scores[label], truths[c.id] == refused_as) for c in found
            if truths[c.id] in ("good", refused_as)]  # fmt: skip
    scores, harmful = zip(*rows, strict=True)
    return np.array(scores), np.array(harmful)


def test_the_learning_loop(env, training_data, run_worker, tmp_path):
    app = env
    client = app.test_client()
    with app.app_context(), db.session_scope() as session:
        site = ensure_site(session, SITE, "A site that pre-moderates", ["https://loop.example"],
                           PreModeration.ALL)  # fmt: skip
        # While it learns, a person sees every comment: the model rejects nothing on its own.
        site.thresholds = {label: HOLD_EVERYTHING for label in ("spam", "toxicity")}
    split = validation_comments(training_data)
    assert len(split) == sum(SPLIT_SOURCES.values())
    seen_rows, unseen_rows = split[:240], split[240:360]
    shadow_rows, promoted_rows, rolled_back_rows = split[360:420], split[420:435], split[435:450]

    # A moderator with an API token made from the terminal, for scripts.
    sieve("moderators", "create", "mod@loop.example", "--site", SITE, "--password-stdin",
          input="a long enough password 123\n")  # fmt: skip
    token = sieve("tokens", "create", "mod@loop.example", "--name", "loop").strip().splitlines()[-1]

    # Every comment is scored, then held for a person (but for spam the model is sure of).
    seen = submit(client, seen_rows, "seen")
    unseen = submit(client, unseen_rows, "unseen")
    run_worker()
    scored = comments(app, [*seen, *unseen])
    assert all(c.scores for c in scored)
    held = [c for c in scored if c.status is CommentStatus.HELD]
    assert len(held) > 0.9 * len(scored)

    # Tuned on the decisions of the first 240 comments only.
    moderate(client, token, seen)
    tuning = json.loads(sieve("sites", "tune", SITE, "--json"))
    by_label = {entry["label"]: entry for entry in tuning["labels"]}
    assert set(by_label) == {"spam", "toxicity"}
    for entry in by_label.values():
        assert entry["recommended"] is not None, entry["note"]
        # Holding everything makes no wrong decision, at the cost of every good comment waiting.
        assert entry["errors_current"] == 0 and entry["current"]["held"] == entry["labelled"]
        assert entry["recommended"]["held"] < entry["labelled"] / 3

    # The other 120, decided afterwards, judge the recommendation.
    moderate(client, token, unseen)
    later = comments(app, unseen)
    total_default = total_tuned = 0
    for label, entry in by_label.items():
        scores, harmful = label_data(later, unseen, label)
        default = DEFAULT_THRESHOLDS[label]
        tuned = entry["recommended"]
        at_default = errors(scores, harmful, default["approve_below"], default["reject_above"])
        at_tuned = errors(scores, harmful, tuned["approve_below"], tuned["reject_above"])
        assert at_tuned <= at_default, (label, at_tuned, at_default, tuned)
        total_default, total_tuned = total_default + at_default, total_tuned + at_tuned
    assert total_tuned < total_default, (total_tuned, total_default)

    # The site applies them and stops pre-moderating.
    assert "applied: spam, toxicity" in sieve("sites", "tune", SITE, "--apply")
    sieve("sites", "set", SITE, "--premoderation", "none")

    # A candidate trained with the site's exported labels.
    labels_csv = tmp_path / "loop-labels.csv"
    labelled = sum(c.decided_by == "moderator" for c in comments(app, [*seen, *unseen]))
    assert labelled >= 350  # all but the spam the model filed itself
    assert f"wrote {labelled} labelled comments" in sieve(
        "model", "export-labels", "--site", SITE, "--out", str(labels_csv)
    )
    candidate_dir = tmp_path / "artifacts" / "candidate-1"
    trained = sieve("model", "train", "--data", str(training_data), "--labels", str(labels_csv),
                    "--sample", "300", "--jobs", "1", "--out", str(candidate_dir))  # fmt: skip
    assert f"moderator labels: loop ({labelled})" in trained
    card = json.loads((candidate_dir / "metadata.json").read_text())
    assert card["moderator_labels"] == {"sites": {SITE: labelled}, "rows": labelled}
    live = load_classifier()
    candidate = load_classifier(candidate_dir)

    # In the shadow: a real worker scores new comments with both, and only the live one decides.
    assert "decides nothing" in sieve("model", "shadow", str(candidate_dir))
    workers = Workers(app, tmp_path)
    try:
        worker = workers.start("loop")
        shadowed = submit(client, shadow_rows, "shadowed")
        # The decisions commit first, the candidate's scores a moment later, apart.
        wait_until(lambda: len(shadow_rows_of(app)) == len(shadowed), 60, "the shadow's scores")
        assert all(c.scores for c in comments(app, shadowed))
        decided = comments(app, shadowed)
        with app.app_context(), db.session_scope() as session:
            site = find_site(session, SITE)
            thresholds = site_thresholds(site)
            allowed = allowed_link_domains(site.allowed_domains, site.allowed_origins)
            shadow = {row.comment_id: row for row in session.scalars(select(ShadowScore))}
        assert set(shadow) == set(shadowed)
        assert {row.model_version for row in shadow.values()} == {candidate.version}
        expected = live.score([c.body for c in decided], explain=False,
                              allowed_domains=[allowed] * len(decided))  # fmt: skip
        for comment, judgement in zip(decided, expected, strict=True):
            assert comment.model_version == live.version
            assert comment.scores == pytest.approx(judgement.labels, abs=2e-6)
            assert comment.status is decide(comment.scores, thresholds).status
        differing = [c.id for c in decided if shadow[c.id].scores != c.scores]
        assert len(differing) > len(decided) / 2  # the candidate is another model

        # The moderator works what was held; then compare, against a computation from scratch.
        moderate(client, token, {c.id: shadowed[c.id] for c in decided
                                 if c.status is CommentStatus.HELD})  # fmt: skip
        report = json.loads(sieve("model", "compare", "--site", SITE, "--json"))
        now = comments(app, shadowed)
        outcome = {CommentStatus.APPROVED: "approve", CommentStatus.HELD: "hold",
                   CommentStatus.REJECTED: "reject", CommentStatus.SPAM: "reject"}  # fmt: skip
        pairs = [
            tuple(outcome[decide(s, thresholds).status] for s in (c.scores, shadow[c.id].scores))
            for c in now
        ]
        assert report["candidate_version"] == candidate.version
        assert report["count"] == len(pairs) == len(shadow_rows)
        same = sum(a == b for a, b in pairs)
        assert report["agreement"] == pytest.approx(same / len(pairs), abs=1e-4)
        assert report["sites"][SITE]["count"] == len(pairs)
        moderated = [(c, pair) for c, pair in zip(now, pairs, strict=True)
                     if c.decided_by == "moderator"]  # fmt: skip
        assert report["moderated"] == len(moderated) > 0
        for who, index in (("live", 0), ("candidate", 1)):
            refused = [
                pair[index] for c, pair in moderated if c.status is not CommentStatus.APPROVED
            ]
            good = [pair[index] for c, pair in moderated if c.status is CommentStatus.APPROVED]
            assert report[who]["wrongly_approved"] == refused.count("approve")
            assert report[who]["wrongly_rejected"] == good.count("reject")
            assert report[who]["held_for_nothing"] == good.count("hold")

        # Promoted: the running worker switches without a restart.
        assert candidate.version in sieve("model", "promote", str(candidate_dir))

        def worker_runs(version: str) -> bool:
            status = json.loads(sieve("model", "status", "--json"))
            return any(w.get("live") == version for w in status["workers"])

        wait_until(lambda: worker_runs(candidate.version), 30, "the worker to switch")
        promoted = submit(client, promoted_rows, "promoted")
        wait_until(lambda: all(c.model_version for c in comments(app, promoted)), 60, "decisions")
        assert {c.model_version for c in comments(app, promoted)} == {candidate.version}
        assert worker.poll() is None  # the same worker process, never restarted
        status = json.loads(sieve("model", "status", "--json"))
        assert status["shadow"] is None  # the candidate is live: nothing left to shadow

        # And back.
        assert live.version in sieve("model", "promote", "--previous")
        wait_until(lambda: worker_runs(live.version), 30, "the worker to switch back")
        rolled_back = submit(client, rolled_back_rows, "rolled-back")
        wait_until(
            lambda: all(c.model_version for c in comments(app, rolled_back)), 60, "decisions"
        )
        assert {c.model_version for c in comments(app, rolled_back)} == {live.version}
        assert worker.poll() is None
    finally:
        workers.stop_all()
