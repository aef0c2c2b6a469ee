"""What a worker process holds for the jobs it runs: the app, whose classifier holder keeps the
live model (and the shadow one) loaded between jobs."""

from __future__ import annotations

import threading

from flask import Flask

_lock = threading.Lock()
_state: dict[str, Flask] = {}


def activate(app: Flask) -> None:
    """Called once by the worker entrypoint, before any job runs."""
    _state["app"] = app


def current() -> Flask:
    """The process's app; built on first use when a plain ``rq worker`` runs jobs."""
    with _lock:
        if "app" not in _state:
            from service import create_app
            from service.pipeline.classifier import classifier_holder

            app = create_app()
            with app.app_context():
                classifier_holder().load()
            activate(app)
    return _state["app"]


def deactivate() -> None:
    """Forget the app (tests build one per test; a job must never run against a stale one)."""
    _state.clear()
