"""What a worker process holds for the jobs it runs: the app and the loaded classifier."""

from __future__ import annotations

import threading

from flask import Flask

from models import Classifier

_lock = threading.Lock()
_state: dict[str, object] = {}


def activate(app: Flask, classifier: Classifier) -> None:
    """Called once by the worker entrypoint, before any job runs."""
    _state["app"] = app
    _state["classifier"] = classifier


def current() -> tuple[Flask, Classifier]:
    """The process's app and classifier; built on first use when a plain ``rq worker`` runs jobs."""
    with _lock:
        if "app" not in _state:
            from service import create_app
            from service.pipeline.classifier import classifier_holder

            app = create_app()
            with app.app_context():
                activate(app, classifier_holder().load())
    return _state["app"], _state["classifier"]  # type: ignore[return-value]


def deactivate() -> None:
    """Forget the app (tests build one per test; a job must never run against a stale one)."""
    _state.clear()
