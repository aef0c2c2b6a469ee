"""A real Prometheus on loopback scrapes a live Sieve under a small load: every expression of
the shipped Grafana dashboard and alert rules returns data through Prometheus's HTTP API, and
the no-live-worker alert fires once the worker is stopped."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from werkzeug.serving import make_server

from tests.processes import Workers, wait_until
from tests.test_deploy import (
    DEPLOY,
    alert_expressions,
    dashboard_expressions,
    seed_a_week_of_scores,
)
from tests.web.test_api_comments import GOOD

pytestmark = pytest.mark.slow
PROMETHEUS = shutil.which("prometheus")
TOKEN = "metrics-token-for-the-test"
COMPARISON = re.compile(r"\s*(==|!=|>=|<=|>|<)\s*[0-9.]+\s*$")


def figure_of(expression: str) -> str:
    """An alert's expression without its threshold: the figure it watches."""
    return COMPARISON.sub("", expression)


def query(base: str, expression: str) -> list:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sieve_server(make_app):
    app = make_app(metrics_token=TOKEN, rate_limit_analyze="1/minute")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app, f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def prometheus(sieve_server, tmp_path: Path):
    if PROMETHEUS is None:
        pytest.fail("prometheus is missing: run `make prometheus` (apt-get install prometheus)")
    _, target = sieve_server
    (tmp_path / "token").write_text(TOKEN)
    # The shipped rules, each to fire as soon as its condition holds (`for:` would make the test
    # wait minutes); the expressions are exactly the shipped ones.
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule["for"] = "0s"
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules))
    shipped = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    [job] = shipped["scrape_configs"]
    job["authorization"]["credentials_file"] = str(tmp_path / "token")
    job["static_configs"] = [{"targets": [target]}]
    config = {**shipped, "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
              "rule_files": [str(tmp_path / "alerts.yml")], "scrape_configs": [job]}  # fmt: skip
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base), 30, "prometheus to start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_every_dashboard_and_alert_expression_returns_data(sieve_server, prometheus, tmp_path):
    app, _ = sieve_server
    seed_a_week_of_scores(app)
    workers = Workers(app, tmp_path)
    worker = workers.start("monitored")
    client = app.test_client()
    stop = threading.Event()

    def load() -> None:  # a small, steady load while Prometheus scrapes
        n = 0
        while not stop.wait(0.2):
            client.post("/api/v1/comments", json={**GOOD, "body": f"{GOOD['body']} ({n})"})
            n += 1

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        for _ in range(2):  # a 429, for the rate-limited figure
            client.post("/api/v1/analyze?site=demo", json={"text": "hello there"})
        wait_until(lambda: bool(query(prometheus, 'up{job="sieve"} == 1')), 30, "a first scrape")
        wait_until(lambda: bool(query(prometheus, "sieve_workers_alive > 0")), 30, "the worker")
        time.sleep(8)  # several scrapes with decisions between them: rates and quantiles exist
        empty = []
        for expression in dashboard_expressions() + [figure_of(e) for e in alert_expressions()]:
            if not query(prometheus, expression):
                empty.append(expression)
        assert empty == [], f"no data for: {empty}"
    finally:
        stop.set()
        loader.join(5)

    workers.kill(worker, signal.SIGTERM)  # a warm shutdown: the worker says goodbye at once
    worker.wait(60)

    def firing() -> bool:
        alerts = query(prometheus, 'ALERTS{alertname="SieveNoLiveWorker", alertstate="firing"}')
        return bool(alerts)

    wait_until(firing, 60, "SieveNoLiveWorker to fire")
    assert not query(prometheus, 'ALERTS{alertname="SieveScrapeFailing"}')
