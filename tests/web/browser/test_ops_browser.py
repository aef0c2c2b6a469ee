"""/ops in headless Chromium: the charts render with data, at desktop and phone width, the flag
of a worker that stopped heartbeating appears without a reload, and the page stays quick with
100,000 failed jobs and a week of figures. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from playwright.sync_api import expect
from rq import SimpleWorker

from service.pipeline.broker import redis_connection, scoring_queue
from service.storage.tables import utcnow
from tests.web.browser.conftest import ARTIFACTS
from tests.web.browser.test_moderation_browser import log_in
from tests.web.test_ops import seed_a_week_of_buckets
from tests.worker.test_worker import BENIGN, submit


def csp_refusals(page) -> list[str]:
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    return refused


def test_the_charts_render_and_a_silent_worker_is_flagged_without_a_reload(
    app, sieve, page, accounts, run_worker, client
):
    for n in range(4):
        submit(client, f"{BENIGN} ({n})")
    run_worker()
    with app.app_context():
        connection = redis_connection()
        name = f"web-{uuid.uuid4().hex[:6]}.4242"
        worker = SimpleWorker([scoring_queue()], connection=connection, name=name)
        worker.register_birth()
        worker.set_state("idle")
        worker.heartbeat()
    refused = csp_refusals(page)
    page.set_viewport_size({"width": 1100, "height": 900})
    log_in(page, sieve, accounts["admin"])
    page.goto(f"{sieve}/ops/")
    expect(page.locator(".flag-ok")).to_be_visible()
    charts = page.locator("figure.ops-chart svg")
    expect(charts).to_have_count(12)
    submissions = page.get_by_role("img", name="Submissions per minute, by outcome")
    expect(submissions.locator("circle.dot").first).to_be_visible()  # one minute: a point
    box = submissions.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 90
    expect(page.locator("figcaption", has_text="Submissions per minute")).to_contain_text(
        "accepted 4"
    )
    expect(
        page.get_by_role("img", name="Oldest queued job").locator("line.threshold")
    ).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "ops-charts.png"), full_page=True)

    # The worker falls silent; the page finds out on its next refresh, without a reload.
    with app.app_context():
        silent = (utcnow() - timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        redis_connection().hset(worker.key, "last_heartbeat", silent)
    page.evaluate("window.notReloaded = true")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    flag = page.locator(".flag-bad", has_text=f"No heartbeat for over 30 s from {name}")
    expect(flag).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    colour = flag.evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(180, 35, 24)"  # the page's red
    page.set_viewport_size({"width": 390, "height": 844})
    expect(charts.first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"/ops is {width}px wide on a 390px phone"
    page.screenshot(path=str(ARTIFACTS / "ops-phone-stale-worker.png"), full_page=True)
    with app.app_context():
        worker.register_death()
    assert refused == []


def test_ops_stays_quick_with_100000_failed_jobs_and_a_week_of_figures(
    app, sieve, page, accounts, redis_client
):
    with app.app_context():
        key = scoring_queue().failed_job_registry.key
    redis_client.zadd(key, {f"gone-{n}": time.time() + 86400 for n in range(100_000)})
    seed_a_week_of_buckets(app)
    log_in(page, sieve, accounts["admin"])
    try:
        for window in ("hour", "day"):
            started = time.perf_counter()
            page.goto(f"{sieve}/ops/?window={window}")
            expect(page.locator("figure.ops-chart svg")).to_have_count(12)
            elapsed = time.perf_counter() - started
            assert elapsed < 5, f"/ops?window={window} took {elapsed:.1f} s to show its charts"
        expect(page.get_by_text("Failed jobs (100000)")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "ops-a-week-of-figures.png"), full_page=True)
    finally:
        redis_client.delete(key)
