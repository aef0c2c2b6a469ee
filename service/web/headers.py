"""Response headers that keep browsers on our side, and HTTPS for the moderator UI.

The moderator UI and /ops load only their own script and stylesheet, so their policy allows
nothing inline and no framing. The API answers JSON that no browser should render or sniff. The
widget's script is fetched by other sites' pages, so it says only that it may be embedded.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, redirect, request

UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
_UI_PREFIXES = ("/moderate", "/ops", "/mail/")
_WIDGET_PATHS = ("/widget.js", "/widget/")


def _is_ui(path: str) -> bool:
    return path.startswith(_UI_PREFIXES)


def require_https() -> Response | None:
    """Send a plain-HTTP request for the moderator UI to its HTTPS address."""
    if not current_app.config["SIEVE"].require_https or request.is_secure:
        return None
    if not _is_ui(request.path):
        return None
    # 308 keeps the method and body of a POST; a browser GET sees it like a 301.
    return redirect(request.url.replace("http://", "https://", 1), code=308)  # type: ignore[return-value]


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    path = request.path
    if path.startswith(_WIDGET_PATHS):
        # Loaded by <script> on the sites that embed it, and nothing more.
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
    headers.setdefault("Referrer-Policy", "same-origin")
    if _is_ui(path):
        headers["Content-Security-Policy"] = UI_CSP
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if current_app.config["SIEVE"].require_https:
            headers["Strict-Transport-Security"] = "max-age=31536000"
    elif path.startswith("/api/"):
        headers.setdefault("Content-Security-Policy", API_CSP)
    return response


def init_app(app: Flask) -> None:
    app.before_request(require_https)
    app.after_request(add_security_headers)
