"""The classifier, loaded once per process and shared by whoever needs it."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from models import Classifier

log = logging.getLogger(__name__)


class ClassifierHolder:
    """Loads the artifact on first use (or at start-up via ``load``) and keeps it."""

    def __init__(self, model_dir: str | None) -> None:
        self.model_dir = model_dir or None
        self._classifier: Classifier | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._classifier is not None

    def load(self) -> Classifier:
        with self._lock:
            if self._classifier is None:
                from models import load_classifier

                self._classifier = load_classifier(self.model_dir)
                log.info("classifier loaded version=%s", self._classifier.version)
            return self._classifier


# One per model dir and process: app instances (tests, the worker's app) share the loaded model.
_holders: dict[str | None, ClassifierHolder] = {}


def holder_for(model_dir: str | None) -> ClassifierHolder:
    key = model_dir or None
    if key not in _holders:
        _holders[key] = ClassifierHolder(key)
    return _holders[key]


def init_app(app: Flask, model_dir: str) -> None:
    app.extensions["sieve.classifier"] = holder_for(model_dir)


def classifier_holder() -> ClassifierHolder:
    return current_app.extensions["sieve.classifier"]
