"""Sieve's web service: the comment API, health probes, and (later) the moderator and ops UIs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service.settings import Settings, load_settings


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``config`` (tests pass it last)."""
    from service import logs
    from service.pipeline import broker, classifier, intake, notify  # noqa: F401  (session hooks)
    from service.settings import database_url, redis_url
    from service.storage import db
    from service.web import compat, cors, errors, headers, mail_links, metrics, moderate, ops
    from service.web.api import api
    from service.web.health import health
    from service.web.limits import limiter
    from service.web.widget import widget

    settings = config if isinstance(config, Settings) else load_settings(**dict(config or {}))
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SIEVE=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        RATELIMIT_STORAGE_URI=_limits_uri(redis_url(settings)),
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 2},
        RATELIMIT_STRATEGY="fixed-window",
        RATELIMIT_HEADERS_ENABLED=False,  # Retry-After on a 429 only (see service.web.errors)
        RATELIMIT_SWALLOW_ERRORS=settings.rate_limit_fail_open,
        SESSION_COOKIE_NAME="sieve_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.require_https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    logging.getLogger("service").setLevel(settings.log_level)
    if settings.env != "test":  # tests keep pytest's log capture
        logs.configure(settings.log_level, settings.log_format)

    db.init_app(app, db.make_engine(database_url(settings)))
    broker.init_app(app, broker.connect_redis(redis_url(settings)), settings)
    intake.init_app(app, settings)
    classifier.init_app(app, settings.model_dir)
    headers.init_app(app)  # first: a plain-HTTP moderator request goes no further
    cors.init_app(app)  # before the limiter: preflights are not submissions
    limiter.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.register_blueprint(widget)
    moderate.init_app(app)
    metrics.init_app(app)
    compat.init_app(app)
    ops.init_app(app)
    mail_links.init_app(app)
    return app


def _limits_uri(url: str) -> str:
    # The limits library spells a Redis unix socket as redis+unix://; sieve+ names the storage
    # that counts a view's several limits in one round trip (service.web.limits).
    uri = "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
    return "sieve+" + uri if uri.startswith(("redis", "rediss")) else uri
