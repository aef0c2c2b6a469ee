"""Browser fixtures: Debian's headless Chromium driven by Playwright, the app served for real on
one loopback port, and a host article on another port, so the widget is embedded cross-origin."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from service.domain.sites import ensure_site
from service.pipeline.classifier import classifier_holder
from service.storage import db

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's chromium: run `make chromium` (apt-get install)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts: each is a different reader with its own localStorage."""
    contexts = []

    def make(**options: object) -> Page:
        contexts.append(browser.new_context(**options))
        page = contexts[-1].new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def allow_origin(app: Flask, origin: str, slug: str = "demo") -> None:
    with app.app_context(), db.session_scope() as session:
        ensure_site(session, slug, "Demo blog", [origin])


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Serve an app on a free loopback port in a thread; returns its base URL."""
    servers = []

    def start(app: Flask, port: int = 0) -> str:
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        stop_server(server, thread)


def stop_server(server, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sieve(app, serve) -> str:
    """The test app served for real; like ``service.wsgi`` it loads the model before serving."""
    with app.app_context():
        classifier_holder().load()
    return serve(app)


ARTICLE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body><article><h1>{title}</h1><p>A host article on another origin than Sieve.</p></article>
<div id="sieve-comments" data-sieve-site="demo" data-sieve-thread="{thread}"
     data-sieve-title="{title}"{widget_lang}></div>
<script src="{sieve}/widget.js" async></script>
</body></html>"""


class _ArticleHandler(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def host_site(app, sieve) -> Iterator[Callable[..., str]]:
    """A blog on its own origin; ``publish(thread, css=...)`` adds an article embedding Sieve."""
    handler = type("Handler", (_ArticleHandler,), {"pages": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    allow_origin(app, origin)

    def publish(
        thread_key: str,
        css: str = "",
        title: str = "A host article",
        sieve_url: str = sieve,
        lang: str = "en",
        widget_lang: str | None = None,
    ) -> str:
        """``lang`` is the page's language; ``widget_lang`` the embed's data-sieve-lang."""
        page = ARTICLE.format(
            title=html.escape(title),
            css=css,
            thread=html.escape(thread_key),
            sieve=sieve_url,
            lang=html.escape(lang),
            widget_lang=f' data-sieve-lang="{html.escape(widget_lang)}"' if widget_lang else "",
        )
        handler.pages[f"/{thread_key}"] = page.encode()
        return f"{origin}/{thread_key}"

    yield publish
    stop_server(server, thread)
