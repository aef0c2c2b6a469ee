"""Security headers: a strict CSP for the moderator UI, only what embedding needs for the widget."""

from __future__ import annotations

import re

import pytest

from service.settings import SettingsError, load_settings


def test_moderator_ui_forbids_inline_script_and_framing(client, login):
    login("admin")
    for path in ("/moderate/", "/moderate/bans", "/moderate/audit", "/moderate/sites", "/ops/"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        html = response.text
        # The policy would block these, so the pages must not rely on them.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), path


def test_login_page_has_the_policy_before_anyone_logs_in(client):
    response = client.get("/moderate/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_widget_script_may_be_embedded_but_not_sniffed(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    # A page policy on a script is meaningless and a wildcard CORS grant is looser than needed.
    assert "Content-Security-Policy" not in response.headers
    assert "Access-Control-Allow-Origin" not in response.headers


def test_api_answers_cannot_be_rendered_as_pages(client):
    response = client.get("/api/v1/comments/999999")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["get", "post"])
def test_moderator_ui_can_require_https(make_app, method):
    client = make_app(require_https=True).test_client()
    response = getattr(client, method)("/moderate/login")
    assert response.status_code == 308
    assert response.headers["Location"].startswith("https://localhost/moderate/login")
    secure = client.get("/moderate/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age" in secure.headers["Strict-Transport-Security"]
    # The public API stays reachable for widgets on plain-HTTP sites.
    assert client.get("/api/v1/comments/1").status_code == 404


def test_production_refuses_the_default_secret():
    with pytest.raises(SettingsError, match="SIEVE_SECRET_KEY"):
        load_settings({"SIEVE_ENV": "production"})
    with pytest.raises(SettingsError, match="SIEVE_SECRET_KEY"):
        load_settings({"SIEVE_ENV": "production", "SIEVE_SECRET_KEY": "short"})
