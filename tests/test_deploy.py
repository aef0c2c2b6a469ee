"""The shipped monitoring files stay true: promtool accepts the Prometheus config and rules, and
every expression of the rules and the Grafana dashboard names only metrics, and labels, that a
live /metrics exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from service.pipeline import timeseries
from tests.web.test_api_comments import GOOD

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROMTOOL = shutil.which("promtool")
# Prometheus's own: the target's health and the labels it gives every series.
PROMETHEUS_OWN = {"up": {"job", "instance"}}
TARGET_LABELS = {"job", "instance"}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "sieve.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def exposed(text: str) -> dict[str, set[str]]:
    """Sample name -> the label names it carries, from the Prometheus text format."""
    found: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, set()).update(sample.labels)
    return found


def names_and_labels(expression: str) -> tuple[set[str], set[str]]:
    metrics = set(re.findall(r"\b(sieve_\w+|up)\b", expression))
    labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"", expression))
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expression):
        labels |= {label.strip() for label in group.split(",") if label.strip()}
    return metrics, labels


def seed_a_week_of_scores(app) -> None:
    """Score distributions of the past week and the last day, for the drift figure."""
    now = timeseries._now()
    with app.app_context():
        for hours_ago in range(1, 24 * 8, 6):
            values = [0.05] * 20 + [0.95] * (2 if hours_ago > 24 else 8)
            for label in ("spam", "toxicity"):
                timeseries.observe(f"scores:{label}", values, timeseries.SCORE_BUCKETS,
                                   now - timedelta(hours=hours_ago), hourly=True)  # fmt: skip


@pytest.fixture
def scraped(make_app, run_worker) -> dict[str, set[str]]:
    """/metrics after a little of everything: submissions, a decision, a 429."""
    app = make_app(rate_limit_ip="2/minute")
    seed_a_week_of_scores(app)  # the drift figure needs a week to compare with
    client = app.test_client()
    for n in range(3):
        client.post("/api/v1/comments", json={**GOOD, "body": f"{GOOD['body']} ({n})"})
    with app.app_context():
        from rq import SimpleWorker

        from service.pipeline.broker import redis_connection
        from service.pipeline.outbox import worker_queues
        from worker import context

        context.activate(app)
        SimpleWorker(worker_queues(), connection=redis_connection()).work(burst=True)
    response = client.get("/metrics")
    assert response.status_code == 200
    return exposed(response.text)


def test_every_expression_names_what_metrics_exposes(scraped):
    expressions = dashboard_expressions() + alert_expressions()
    assert len(expressions) >= 20
    for expression in expressions:
        metrics, labels = names_and_labels(expression)
        assert metrics, f"names no metric: {expression}"
        available = set(TARGET_LABELS)
        for metric in metrics:
            if metric in PROMETHEUS_OWN:
                available |= PROMETHEUS_OWN[metric]
                continue
            assert metric in scraped, f"{metric} is not in /metrics ({expression})"
            available |= scraped[metric]
        assert labels <= available, f"{labels - available} not exposed with {metrics}: {expression}"


def test_promtool_accepts_the_shipped_config_and_rules():
    if PROMTOOL is None:
        pytest.fail("promtool is missing: run `make prometheus` (apt-get install prometheus)")
    for args in (["check", "rules", "alerts.yml"], ["check", "config", "prometheus.yml"]):
        result = subprocess.run([PROMTOOL, *args], cwd=DEPLOY / "prometheus", capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "SUCCESS" in result.stdout


def test_the_monitoring_profile_mounts_files_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    monitoring = {name: s for name, s in compose["services"].items()
                  if "monitoring" in s.get("profiles", [])}  # fmt: skip
    assert {"prometheus", "grafana"} <= set(monitoring)
    for service in monitoring.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{source} is mounted but missing"
