"""The learning loop's pages in a real browser: the threshold charts on the site settings page
(with enough decisions, and with too few), applying the recommendation, and the models page's
comparison, promotion and rollback. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import shutil

from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.domain.audit import Actor
from service.domain.decisions import decide
from service.domain.deployments import start_shadow
from service.domain.sites import find_site
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import ChangeEvent, Comment, Moderator
from tests.domain.test_tuning import moderated_site
from tests.web.browser.conftest import ARTIFACTS
from tests.web.browser.test_moderation_browser import log_in
from tests.web.test_api_comments import GOOD


def no_csp_violations(page: Page) -> list[str]:
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    return refused


def test_threshold_charts_and_applying_the_recommendation(app, sieve, page, accounts, comment_in):
    moderated_site(app, comment_in, accounts, 200)
    refused = no_csp_violations(page)
    page.set_viewport_size({"width": 1000, "height": 900})
    log_in(page, sieve, accounts["admin"])
    page.goto(f"{sieve}/moderate/sites/demo/settings#tuning")

    spam = page.locator('article[data-label="spam"]')
    expect(spam.locator("p", has_text="Recommended: approve below 0.")).to_be_visible()
    chart = spam.get_by_role("img", name="spam: error rates against the threshold")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    expect(chart.locator("line.mark-recommended")).to_have_count(2)
    expect(chart.locator("line.mark-current")).to_have_count(2)
    bars = spam.get_by_role(
        "img", name="spam: share of decided comments approved, held and rejected"
    )
    expect(bars.locator("rect")).to_have_count(6)  # current and recommended, three shares each
    box = chart.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 150
    # Toxicity has no refused comment on this site: no recommendation, and it says why.
    toxicity = page.locator('article[data-label="toxicity"]')
    expect(toxicity.get_by_role("note")).to_contain_text("Too few decisions")
    spam.screenshot(path=str(ARTIFACTS / "tuning-spam-chart.png"))
    page.screenshot(path=str(ARTIFACTS / "tuning-settings-page.png"), full_page=True)

    recommended = float(
        chart.locator("line.mark-recommended").first.get_attribute("data-threshold")
    )
    page.get_by_role("button", name="Apply the recommended thresholds").click()
    expect(page.get_by_text("Recommended thresholds applied to demo")).to_be_visible()
    with app.app_context(), db.session_scope() as session:
        site = find_site(session, "demo")
        assert site.thresholds["spam"]["approve_below"] == recommended
        event = session.scalars(select(ChangeEvent).where(ChangeEvent.via == "page")).one()
        assert event.action == "site_settings" and "thresholds" in event.after
    # Applied, the current and recommended marks coincide.
    expect(page.locator('article[data-label="spam"] line.mark-current').first).to_have_attribute(
        "data-threshold", str(recommended)
    )
    assert refused == []


def test_a_site_with_too_few_decisions_gets_no_recommendation(app, sieve, page, accounts,
                                                              comment_in):  # fmt: skip
    moderated_site(app, comment_in, accounts, 20)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, sieve, accounts["admin"])
    page.goto(f"{sieve}/moderate/sites/demo/settings#tuning")
    spam = page.locator('article[data-label="spam"]')
    expect(spam.get_by_role("note")).to_contain_text(
        "Too few decisions to recommend spam thresholds"
    )
    expect(spam.get_by_role("note")).to_contain_text("20 decided comments")
    expect(spam.locator("line.mark-recommended")).to_have_count(0)
    expect(page.get_by_role("button", name="Apply the recommended thresholds")).to_have_count(0)
    # What the current thresholds did is still drawn.
    expect(
        spam.get_by_role("img", name="spam: share of decided comments approved, held and rejected")
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "tuning-too-few-labels-phone.png"), full_page=True)


def test_models_page_compares_and_promotes(app, sieve, page, accounts, tiny_model_dir, tmp_path,
                                           run_worker):  # fmt: skip
    candidate = shutil.copytree(tiny_model_dir, tmp_path / "candidate")
    with app.app_context(), db.session_scope() as session:
        start_shadow(session, candidate, Actor("cli:test", "cli"), str(tmp_path / "elsewhere"))
    with app.app_context():
        classifier_holder().refresh(force=True)  # as every process does within seconds
    client = app.test_client()
    bodies = [GOOD["body"], "FREE MONEY!!! subscribe http://bit.ly/win and win $$$",
              "You are a worthless idiot.", "Thanks, the second chart answered my question.",
              "check out my channel bit.ly/win-free now"]  # fmt: skip
    ids = [client.post("/api/v1/comments", json={**GOOD, "body": b}).get_json()["id"]
           for b in bodies]  # fmt: skip
    run_worker()
    with app.app_context(), db.session_scope() as session:
        moderator = session.scalar(select(Moderator).where(Moderator.email == accounts["admin"]))
        for cid in ids:  # the moderator disagrees with the model on each: errors to show
            comment = session.get(Comment, cid)
            action = "reject" if comment.status is CommentStatus.APPROVED else "approve"
            decide(session, comment, action, moderator, "INSULT")
    refused = no_csp_violations(page)
    page.set_viewport_size({"width": 1000, "height": 900})
    log_in(page, sieve, accounts["admin"])
    page.get_by_role("link", name="Models").click()

    expect(page.get_by_role("heading", name="Live against candidate tiny-1")).to_be_visible()
    summary = page.locator("p.summary")
    expect(summary).to_contain_text(f"On {len(ids)} comments scored by both")
    with app.app_context(), db.session_scope() as session:
        assert all(session.get(Comment, cid).model_version for cid in ids)
    expect(page.get_by_role("img", name="What each model would decide")).to_be_visible()
    matrix = page.locator("table.matrix td")
    expect(matrix).to_have_count(9)
    assert sum(int(matrix.nth(i).inner_text()) for i in range(9)) == len(ids)
    errors = page.get_by_role("img", name="Error rates of each model against moderators")
    expect(errors.locator("rect")).to_have_count(6)  # three rates, two models
    with app.app_context(), db.session_scope() as session:
        moderated = sum(session.get(Comment, cid).decided_by == "moderator" for cid in ids)
    assert moderated == len(ids)
    heading = f"Against {moderated} moderator decisions"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "models-comparison.png"), full_page=True)

    page.get_by_role("button", name="Promote tiny-1 to live").click()
    expect(page.get_by_text("tiny-1 is the live model now")).to_be_visible()
    expect(page.locator(".card .version").first).to_have_text("tiny-1")
    page.get_by_role("button", name="Roll back to the previous model").click()
    expect(page.locator(".flash")).to_contain_text("Back to 20")
    expect(page.locator(".card .version").first).not_to_have_text("tiny-1")
    assert refused == []


def test_models_page_with_no_candidate_says_how_to_start(app, sieve, page, accounts):
    log_in(page, sieve, accounts["admin"])
    page.goto(f"{sieve}/moderate/models")
    expect(page.get_by_text("No candidate model has scored a comment yet.")).to_be_visible()
    expect(page.get_by_text("sieve model shadow DIR")).to_be_visible()
