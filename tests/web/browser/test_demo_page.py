"""The demo article served by Sieve: seeded comments, a phone-width screen, keyboard use."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from service.cli.demo import DEMO_COMMENTS, seed_demo_comments
from service.cli.supervisor import Stack
from service.storage import db
from service.storage.tables import Comment
from service.web.widget import DEMO_THREAD, DEMO_TITLE
from tests.web.browser.conftest import ARTIFACTS, allow_origin
from tests.worker.test_worker import BENIGN


def seed(sieve: str, data_dir: Path) -> list[str]:
    """Seed the demo thread as ``sieve up`` does on first start; returns what it said."""
    said: list[str] = []
    port = int(sieve.rsplit(":", 1)[1])
    seed_demo_comments(Stack("127.0.0.1", port, data_dir, say=said.append))
    return said


def test_first_start_seeds_the_demo_thread_once(app, sieve, tmp_path):
    assert seed(sieve, tmp_path) == []
    assert seed(sieve, tmp_path) == []  # the marker in the data dir stops a second round
    with app.app_context(), db.session_scope() as session:
        stored = session.query(Comment).order_by(Comment.id).all()
        assert {c.thread.key for c in stored} == {DEMO_THREAD}
    assert [c.author_name for c in stored] == [author for author, _, _ in DEMO_COMMENTS]
    assert stored[1].parent_id == stored[0].id


def open_demo(page: Page, sieve: str) -> None:
    page.goto(f"{sieve}/demo")
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()
    expect(page.get_by_role("heading", name=f"{len(DEMO_COMMENTS)} comments")).to_be_visible()


def test_demo_article_shows_seeded_comments_with_replies_nested(
    app, sieve, page, run_worker, tmp_path
):
    allow_origin(app, sieve)
    seed(sieve, tmp_path)
    run_worker()
    page.set_viewport_size({"width": 1100, "height": 900})
    open_demo(page, sieve)
    first_author, _, _ = DEMO_COMMENTS[0]
    reply_author, _, _ = DEMO_COMMENTS[1]
    thread = page.locator("li.comment", has_text=first_author).first
    expect(thread.locator("ol.replies li.comment")).to_contain_text(reply_author)

    post_body = "Lovely write-up. I am trying the widget from the demo page right now."
    page.get_by_label("Name").fill("Visitor")
    page.get_by_label("Comment", exact=True).fill(post_body)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("li.comment.own", has_text=post_body)).to_contain_text(
        "Awaiting moderation"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
    assert (ARTIFACTS / "demo.png").stat().st_size > 10_000


def test_widget_fits_a_phone_and_works_from_the_keyboard(
    app, sieve, new_page, run_worker, tmp_path
):
    allow_origin(app, sieve)
    seed(sieve, tmp_path)
    run_worker()
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    open_demo(page, sieve)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("Name").focus()
    page.keyboard.type("Keyboard Reader")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email (optional, never shown)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comment", exact=True)).to_be_focused()
    page.keyboard.type(BENIGN)
    page.keyboard.press("Tab")  # the honeypot is skipped
    expect(page.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("li.comment.own", has_text=BENIGN)).to_have_attribute(
        "data-status", "pending"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-phone.png"), full_page=True)
