"""The learning loop over the JSON API (admins' tokens): a site's tuning, applying it (audited),
the models in use and their comparison, each answer as the OpenAPI document describes it."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from service.domain.audit import Actor
from service.domain.deployments import start_shadow
from service.domain.sites import find_site
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.storage.tables import ChangeEvent
from tests.domain.test_tuning import moderated_site
from tests.web.moderation.test_api import bearer
from tests.web.test_api_comments import GOOD
from tests.web.test_openapi import document, validate

TUNING = "/api/v1/sites/{slug}/tuning"


def test_an_admin_reads_the_tuning_then_applies_it(app, client, token_for, comment_in, accounts):
    moderated_site(app, comment_in, accounts, 200)
    headers = bearer(token_for("admin"))
    shown = client.get("/api/v1/sites/demo/tuning", headers=headers)
    assert shown.status_code == 200, shown.get_json()
    validate(document(client), TUNING, "get", shown)
    spam = next(t for t in shown.get_json()["labels"] if t["label"] == "spam")
    assert spam["labelled"] == 200 and spam["recommended"] is not None
    assert spam["recommended"]["held"] < spam["current"]["held"]
    assert len(spam["curve"]) == 51 and spam["curve"][0]["good_at_or_above"] == 1.0
    assert shown.get_json()["applied"] == []

    applied = client.post("/api/v1/sites/demo/tuning", headers=headers)
    assert applied.status_code == 200
    validate(document(client), TUNING, "post", applied)
    assert applied.get_json()["applied"] == ["spam"]  # toxicity: too few refused comments
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert site.thresholds["spam"]["approve_below"] == spam["recommended"]["approve_below"]
        event = session.scalars(select(ChangeEvent).where(ChangeEvent.via == "api")).one()
        assert event.actor == f"moderator:{accounts['admin']}" and "thresholds" in event.after


def test_tuning_is_for_admins_and_checks_its_parameters(client, token_for):
    assert client.get("/api/v1/sites/demo/tuning").status_code == 401
    denied = client.get("/api/v1/sites/demo/tuning", headers=bearer(token_for("demo")))
    assert denied.status_code == 403
    validate(document(client), TUNING, "get", denied)
    admin = bearer(token_for("admin"))
    bad = client.get("/api/v1/sites/demo/tuning?since=yesterday", headers=admin)
    assert bad.status_code == 400
    assert bad.get_json()["error"]["fields"] == {"since": "must be a date such as 2026-11-25"}
    assert client.post("/api/v1/sites/nowhere/tuning", headers=admin).status_code == 404


def test_models_and_their_comparison(app, client, token_for, tiny_model_dir, tmp_path, run_worker):
    headers = bearer(token_for("admin"))
    models = client.get("/api/v1/models", headers=headers)
    assert models.status_code == 200
    validate(document(client), "/api/v1/models", "get", models)
    assert models.get_json()["shadow"] is None

    candidate = shutil.copytree(tiny_model_dir, tmp_path / "candidate")
    with app.app_context(), db.session_scope() as session:
        start_shadow(session, candidate, Actor("cli:test", "cli"), str(tmp_path / "other"))
    with app.app_context():
        classifier_holder().refresh(force=True)
    for body in (GOOD["body"], "FREE MONEY!!! subscribe http://bit.ly/win and win $$$"):
        client.post("/api/v1/comments", json={**GOOD, "body": body})
    run_worker()
    models = client.get("/api/v1/models", headers=headers).get_json()
    assert models["shadow"] == {"version": "tiny-1", "path": str(candidate)}
    compared = client.get("/api/v1/models/comparison?site=demo", headers=headers)
    assert compared.status_code == 200
    validate(document(client), "/api/v1/models/comparison", "get", compared)
    report = compared.get_json()
    assert (report["candidate_version"], report["count"]) == ("tiny-1", 2)
    assert report["sites"]["demo"]["count"] == 2
    assert (
        client.get("/api/v1/models/comparison", headers=bearer(token_for("demo"))).status_code
        == 403
    )
